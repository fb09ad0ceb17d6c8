/**
 * The SSH side of an image build: a shell on the builder's rescue system. `RescueShell` is what the
 * build steps need (one command, its exit code and output); `ssh2Connector` is the real one.
 */
// ssh2 is CommonJS: its named exports are reached through the default one.
import ssh2, { type Client } from 'ssh2';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RescueShell {
  exec(command: string): Promise<CommandResult>;
  close(): void;
}

export interface SshTarget {
  host: string;
  port: number;
  privateKey: string;
  readyTimeoutMs: number;
}

export type SshConnector = (target: SshTarget) => Promise<RescueShell>;

const KEEP = 4000;
/** The tail of a long output: what a failure message shows. */
export function tail(text: string): string {
  const trimmed = text.trim();
  return trimmed.length > KEEP ? `…${trimmed.slice(-KEEP)}` : trimmed;
}

function run(client: Client, command: string): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, stream) => {
      if (error) return reject(error);
      let stdout = '';
      let stderr = '';
      stream.on('data', (chunk: Buffer) => (stdout = tail(stdout + chunk.toString())));
      stream.stderr.on('data', (chunk: Buffer) => (stderr = tail(stderr + chunk.toString())));
      stream.on('close', (code: number | null) => resolve({ code: code ?? 255, stdout, stderr }));
    });
  });
}

/** Root on the rescue system, by the throwaway key (rescue has no known host key to check). */
export const ssh2Connector: SshConnector = (target) =>
  new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    client
      .on('ready', () => resolve({ exec: (command) => run(client, command), close: () => client.end() }))
      .on('error', reject)
      .connect({
        host: target.host,
        port: target.port,
        username: 'root',
        privateKey: target.privateKey,
        readyTimeout: target.readyTimeoutMs,
      });
  });

/**
 * The rescue systems' SSH: while a server runs its rescue system (state.ts), an SSH server listens
 * on the server's public IPv4 (a loopback address) at the rescue port. Only root with one of the
 * keys given at enable_rescue gets in, by public key; each exec runs one simulated command
 * (commands.ts). The host key is one ed25519 key per sandbox world, kept in its state directory.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// ssh2 is CommonJS: its named exports are reached through the default one.
import ssh2, { type AuthContext, type Connection, type ParsedKey, type Server } from 'ssh2';
import type { World } from '../types.js';
import { runRescueCommand, type RescueHost } from './commands.js';
import { inRescue } from './state.js';

export const HOST_KEY_FILE = 'rescue_host_key';

/** The world's rescue host key (OpenSSH private key), created on first use (0600). */
export function rescueHostKey(stateDir: string): string {
  const file = join(stateDir, HOST_KEY_FILE);
  if (existsSync(file)) return readFileSync(file, 'utf8');
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const { private: key } = ssh2.utils.generateKeyPairSync('ed25519');
  writeFileSync(file, key, { mode: 0o600 });
  return key;
}

interface Listener {
  ip: string;
  server: Server;
  clients: Set<Connection>;
  ready: Promise<void>;
}

export interface RescueSshOptions {
  stateDir: string;
  port: number;
  host: RescueHost;
  log?: (message: string) => void;
}

function publicIpv4(world: World, serverId: number): string | undefined {
  const server = world.servers[serverId];
  const ip = server?.ipv4 === null || server === undefined ? undefined : world.primary_ips[server.ipv4];
  return ip?.ip;
}

export class RescueSsh {
  private readonly listeners = new Map<number, Listener>();
  private hostKey: string | undefined;
  private closed = false;

  constructor(private readonly options: RescueSshOptions) {}

  /** Opens a listener for every server in rescue and closes those of servers that left it. */
  sync(world: World): void {
    if (this.closed) return;
    for (const [id, listener] of this.listeners) {
      const server = world.servers[id];
      if (!server || !inRescue(server) || publicIpv4(world, id) !== listener.ip) this.stop(id);
    }
    for (const server of Object.values(world.servers)) {
      const ip = publicIpv4(world, server.id);
      if (!inRescue(server) || !ip || this.listeners.has(server.id)) continue;
      this.listen(server.id, ip);
    }
  }

  private listen(serverId: number, ip: string): void {
    this.hostKey ??= rescueHostKey(this.options.stateDir);
    const clients = new Set<Connection>();
    const server = new ssh2.Server({ hostKeys: [this.hostKey] }, (client) => {
      clients.add(client);
      client.on('close', () => clients.delete(client));
      this.serve(serverId, client);
    });
    const ready = new Promise<void>((resolve) => {
      server.once('error', (error: Error) => {
        this.log(`rescue: cannot listen on ${ip}:${this.options.port}: ${error.message}`);
        resolve();
      });
      server.listen(this.options.port, ip, () => resolve());
    });
    this.listeners.set(serverId, { ip, server, clients, ready });
  }

  private stop(serverId: number): void {
    const listener = this.listeners.get(serverId);
    if (!listener) return;
    this.listeners.delete(serverId);
    for (const client of listener.clients) client.end();
    // A listen still under way finishes first, so the port is not left open behind our back.
    void listener.ready.then(() => {
      for (const client of listener.clients) client.end();
      listener.server.close();
    });
  }

  private serve(serverId: number, client: Connection): void {
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => this.authenticate(serverId, ctx));
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept();
        session.on('exec', (acceptExec, _reject, info) => {
          const stream = acceptExec();
          runRescueCommand(this.options.host, serverId, info.command)
            .then((result) => {
              if (result.stdout) stream.write(result.stdout);
              if (result.stderr) stream.stderr.write(result.stderr);
              stream.exit(result.code);
              stream.end();
            })
            .catch((error: unknown) => {
              this.log(`rescue: command on server ${serverId} failed: ${String(error)}`);
              stream.exit(255);
              stream.end();
            });
        });
      });
    });
  }

  /** Root, by one of the rescue keys, while the server runs its rescue system. */
  private authenticate(serverId: number, ctx: AuthContext): void {
    if (ctx.method !== 'publickey' || ctx.username !== 'root') return ctx.reject(['publickey']);
    const world = this.options.host.world();
    const server = world.servers[serverId];
    if (!server || !inRescue(server)) return ctx.reject(['publickey']);
    const offered = ctx.key;
    const match = (server.rescue?.keys ?? [])
      .map((id) => world.ssh_keys[id]?.public_key)
      .map((text) => (text === undefined ? undefined : ssh2.utils.parseKey(text)))
      .find(
        (key): key is ParsedKey =>
          key !== undefined && !(key instanceof Error) && key.getPublicSSH().equals(offered.data),
      );
    if (!match) return ctx.reject(['publickey']);
    // Without a signature the client only asks whether the key would do.
    if (!ctx.signature) return ctx.accept();
    if (match.verify(ctx.blob ?? Buffer.alloc(0), ctx.signature, ctx.hashAlgo) !== true) {
      return ctx.reject(['publickey']);
    }
    ctx.accept();
  }

  /** Resolves once every listener opened so far is listening (or has failed to). */
  async settled(): Promise<void> {
    await Promise.all([...this.listeners.values()].map((l) => l.ready));
  }

  async close(): Promise<void> {
    this.closed = true;
    const listeners = [...this.listeners.values()];
    for (const id of [...this.listeners.keys()]) this.stop(id);
    await Promise.all(listeners.map((l) => l.ready));
  }

  private log(message: string): void {
    (this.options.log ?? ((text: string) => console.error(text)))(message);
  }
}

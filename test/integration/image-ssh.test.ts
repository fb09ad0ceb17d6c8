/**
 * The real SSH transport of the image builder against an ssh2 server on loopback: public-key login
 * as root, each command's exit code and output, and the step error when a command fails.
 */
import type { AddressInfo } from 'node:net';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ssh2Connector } from '../../src/execute/image/shell.js';
import { writeTalosImage } from '../../src/execute/image/steps.js';

const client = ssh2.utils.generateKeyPairSync('ed25519');
const host = ssh2.utils.generateKeyPairSync('ed25519');
const allowed = ssh2.utils.parseKey(client.public);
let server: ssh2.Server;
let port = 0;
const ran: string[] = [];

beforeAll(async () => {
  server = new ssh2.Server({ hostKeys: [host.private] }, (conn) => {
    conn
      .on('authentication', (ctx) => {
        const key = allowed instanceof Error ? undefined : allowed;
        if (
          ctx.method === 'publickey' &&
          ctx.username === 'root' &&
          key &&
          ctx.key.data.equals(key.getPublicSSH())
        )
          return ctx.accept();
        ctx.reject(['publickey']);
      })
      .on('session', (accept) => {
        accept().on('exec', (acceptExec, _reject, info) => {
          const stream = acceptExec();
          ran.push(info.command);
          if (info.command.startsWith('xz -t')) {
            stream.stderr.write('xz: /tmp/talos.raw.xz: Unexpected end of input\n');
            stream.exit(1);
          } else stream.exit(0);
          stream.end();
        });
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => server?.close());

describe('the ssh2 transport', () => {
  it('logs in with the throwaway key and reports the failing step with what it printed', async () => {
    const shell = await ssh2Connector({
      host: '127.0.0.1',
      port,
      privateKey: client.private,
      readyTimeoutMs: 5000,
    });
    try {
      expect(await shell.exec('sync')).toEqual({ code: 0, stdout: '', stderr: '' });
      await expect(
        writeTalosImage(shell, 'https://factory.talos.dev/x.raw.xz', 'image.talos-x86'),
      ).rejects.toThrow(
        /^image build step check failed: the downloaded image is corrupt .* exited 1 and printed: xz: \/tmp\/talos\.raw\.xz: Unexpected end of input$/,
      );
      expect(ran.slice(1)).toEqual([
        "wget -q -O /tmp/talos.raw.xz 'https://factory.talos.dev/x.raw.xz'",
        'xz -t /tmp/talos.raw.xz && xz -l --robot /tmp/talos.raw.xz',
      ]);
    } finally {
      shell.close();
    }
  });

  it('another key is refused', async () => {
    const other = ssh2.utils.generateKeyPairSync('ed25519');
    await expect(
      ssh2Connector({ host: '127.0.0.1', port, privateKey: other.private, readyTimeoutMs: 5000 }),
    ).rejects.toThrow(/authentication/i);
  });
});

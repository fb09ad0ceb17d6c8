/** The client checks the server certificate's IP SAN against the address it dialled. */
import { Server, ServerCredentials, type sendUnaryData } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { createTalosClient } from '../../../src/providers/talos/client/index.js';
import { talosServices } from '../../../src/providers/talos/client/proto.js';
import { issueServerCertificate } from '../../../src/providers/talos/pki/certificates.js';
import { toNodePrivateKeyPem } from '../../../src/providers/talos/pki/keys.js';
import { clientCertificate, createTestPki } from '../../support/talos-ca.js';
import { talosError } from './helpers.js';

const ADDRESS = '127.65.0.2';
const PORT = 45106;

describe('server identity', () => {
  let server: Server | undefined;

  afterEach(() => {
    server?.forceShutdown();
    server = undefined;
  });

  async function serveWithSan(san: string) {
    const pki = await createTestPki();
    const pair = await issueServerCertificate(pki.os, { ips: [san], dnsNames: ['node'] });
    server = new Server();
    server.addService(talosServices().MachineService.service, {
      Version: (_call: unknown, callback: sendUnaryData<unknown>) =>
        callback(null, { messages: [{ version: { tag: 'v1.13.9' } }] }),
    });
    const credentials = ServerCredentials.createSsl(
      Buffer.from(pki.os.crt),
      [{ private_key: Buffer.from(toNodePrivateKeyPem(pair.key)), cert_chain: Buffer.from(pair.crt) }],
      true,
    );
    await new Promise<void>((resolve, reject) =>
      server!.bindAsync(`${ADDRESS}:${PORT}`, credentials, (e) => (e ? reject(e) : resolve())),
    );
    const cert = await clientCertificate(pki.os, ['os:admin']);
    return createTalosClient({
      endpoint: `${ADDRESS}:${PORT}`,
      mode: 'mtls',
      ca: pki.os.crt,
      cert: cert.crt,
      key: cert.key,
    });
  }

  it('accepts a certificate naming the dialled IP', async () => {
    const client = await serveWithSan(ADDRESS);
    expect((await client.version()).tag).toBe('v1.13.9');
    client.close();
  });

  it('refuses a certificate from the right CA that names another IP', async () => {
    const client = await serveWithSan('127.65.0.99');
    const error = await talosError(client.version({ attempts: 1 }));
    expect(error.code).toBe('provider.auth');
    expect(error.message).toContain('altnames');
    client.close();
  });
});

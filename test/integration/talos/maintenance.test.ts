/** Maintenance mode → ApplyConfiguration (schema-checked) → install → mTLS with roles. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, machineConfig, clientCertificate, type TestPki } from '../../support/talos-ca.js';
import { createTalosClient } from '../../../src/providers/talos/client/index.js';
import {
  adminClient,
  bootServer,
  calls,
  insecureClient,
  removeDir,
  server,
  startHarness,
  talosError,
  waitListening,
  type Harness,
} from './helpers.js';

const PORT = 45101;
const IP = '127.61.0.2';
const OLD_IP = '127.61.0.3';

describe('Talos node in maintenance mode', () => {
  let h: Harness;
  let pki: TestPki;

  beforeAll(async () => {
    h = startHarness(PORT);
    pki = await createTestPki();
    await bootServer(h, server(1, IP));
    await bootServer(h, server(2, OLD_IP, { version: 'v1.12.11' }));
    await waitListening(h, 1, 'maintenance');
    await waitListening(h, 2, 'maintenance');
  });

  afterAll(async () => {
    await h.close();
    removeDir(h.dir);
  });

  it('answers Version without a client certificate on 1.13, and refuses it on 1.12 like Talos', async () => {
    expect((await insecureClient(h, IP).version()).tag).toBe('v1.13.9');
    const error = await talosError(insecureClient(h, OLD_IP).version());
    expect(error.grpcStatus).toBe('UNIMPLEMENTED');
    expect(error.message).toContain('API is not implemented in maintenance mode');
  });

  it('refuses calls that need mTLS before sending them', async () => {
    const client = insecureClient(h, IP);
    const error = await talosError(client.bootstrap());
    expect(error.message).toContain('requires mTLS');
    expect(calls(h, 1, 'Bootstrap')).toBe(0);
  });

  it('refuses an invalid config with the schema error, then accepts a valid one and installs', async () => {
    const client = insecureClient(h, IP);
    const valid = machineConfig(pki, { type: 'controlplane' });
    const invalid = valid.replace('type: controlplane', 'type: bananas');
    const error = await talosError(client.applyConfiguration({ data: invalid }));
    expect(error.grpcStatus).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain('machine.type');
    expect(error.message).toContain('allowed values');
    expect(h.sim.node(1)?.record.config).toBeNull();

    const dry = await client.applyConfiguration({ data: valid, dryRun: true });
    expect(dry.modeDetails).toContain('Dry run');
    expect(h.sim.node(1)?.record.config).toBeNull();

    const result = await client.applyConfiguration({ data: valid, mode: 'REBOOT' });
    expect(result.mode).toBe('NO_REBOOT'); // 1.13 coerces REBOOT in maintenance mode
    expect(h.sim.node(1)?.record.phase).toBe('installing');
    await waitListening(h, 1, 'running');
  });

  it('then serves mTLS: admin works, another CA is refused at the TLS layer, a reader cannot bootstrap', async () => {
    const admin = await adminClient(h, pki, IP);
    expect((await admin.version()).tag).toBe('v1.13.9');

    const stranger = await createTestPki();
    const foreign = await talosError((await adminClient(h, stranger, IP)).version({ attempts: 1 }));
    expect(foreign.code).toBe('provider.auth');

    // A client certificate from another CA, trusting the right server CA: the server refuses it.
    const foreignCert = await clientCertificate(stranger.os, ['os:admin']);
    const wrongClient = createTalosClient({
      endpoint: `${IP}:${PORT}`,
      mode: 'mtls',
      ca: pki.os.crt,
      cert: foreignCert.crt,
      key: foreignCert.key,
    });
    h.clients.push(wrongClient);
    const refused = await talosError(wrongClient.version({ attempts: 1 }));
    expect(refused.grpcStatus).toBe('UNAVAILABLE');
    expect(calls(h, 1, 'Version')).toBe(2); // the insecure one before the install, and the admin one

    const reader = await adminClient(h, pki, IP, ['os:reader']);
    expect((await reader.version()).tag).toBe('v1.13.9');
    const denied = await talosError(reader.bootstrap());
    expect(denied.grpcStatus).toBe('PERMISSION_DENIED');
    expect(denied.code).toBe('provider.auth');
    expect(h.sim.stats().clusters[0]?.bootstrapCalls ?? 0).toBe(0);
  });

  it('no longer accepts unauthenticated calls once configured', async () => {
    const error = await talosError(insecureClient(h, IP).version({ attempts: 1 }));
    expect(['UNAVAILABLE', 'PERMISSION_DENIED']).toContain(error.grpcStatus);
  });
});

/**
 * hk8s's first config push against a node in maintenance mode on every supported Talos minor:
 * 1.13 answers Version there, 1.12 answers it Unimplemented; both are maintenance mode, neither is a
 * foreign node. A node configured with another CA still is one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scaledTiming, TalosConnections } from '../../../src/execute/talos/connections.js';
import type { RunContext } from '../../../src/execute/runner.js';
import type { TalosSecrets } from '../../../src/talos/secrets-types.js';
import { createTestPki, machineConfig, type TestPki } from '../../support/talos-ca.js';
import {
  SPEED,
  bootServer,
  calls,
  removeDir,
  server,
  startHarness,
  waitListening,
  type Harness,
} from './helpers.js';

const PORT = 45107;
const IPS = { 'v1.12.11': '127.66.0.2', 'v1.13.9': '127.66.0.3', foreign: '127.66.0.4' } as const;

function secretsOf(pki: TestPki): TalosSecrets {
  const unused = { crt: '', key: '' };
  return {
    cluster: { id: 'test-cluster-id', secret: 'c2VjcmV0' },
    secrets: { bootstrapToken: 'abcdef.0123456789abcdef', secretboxEncryptionSecret: '' },
    trustdInfo: { token: 'abcdef.0123456789abcdef' },
    certs: { etcd: unused, k8s: pki.k8s, k8sAggregator: unused, k8sServiceAccount: { key: '' }, os: pki.os },
  };
}

function context(progress: string[]): RunContext {
  return {
    run: 'test',
    signal: new AbortController().signal,
    idOf: () => undefined,
    recordOf: () => undefined,
    progress: (message) => progress.push(message),
    secrets: { get: () => undefined, put: async () => undefined, forget: async () => undefined },
  };
}

describe('the first config on each Talos minor', () => {
  let h: Harness;
  let pki: TestPki;

  beforeAll(async () => {
    h = startHarness(PORT);
    pki = await createTestPki();
    await bootServer(h, server(1, IPS['v1.12.11'], { version: 'v1.12.11' }));
    await bootServer(h, server(2, IPS['v1.13.9'], { version: 'v1.13.9' }));
    await waitListening(h, 1, 'maintenance');
    await waitListening(h, 2, 'maintenance');
  });

  afterAll(async () => {
    await h.close();
    removeDir(h.dir);
  });

  it.each([
    [1, 'v1.12.11'],
    [2, 'v1.13.9'],
  ] as const)(
    'server %i on %s takes its config in maintenance mode and comes up over mTLS',
    async (id, version) => {
      const progress: string[] = [];
      const connections = new TalosConnections(secretsOf(pki), PORT, scaledTiming(SPEED), context(progress));
      try {
        await connections.applyInitial(
          IPS[version],
          machineConfig(pki, { type: 'controlplane', clusterId: `c-${id}` }),
        );
      } finally {
        connections.close();
      }
      const node = h.sim.node(id);
      expect(node?.record.phase).toBe('running');
      expect(node?.record.version).toBe(version);
      expect(node?.config?.clusterId).toBe(`c-${id}`);
      // One probe in maintenance mode, one config over the insecure channel.
      expect(calls(h, id, 'ApplyConfiguration')).toBe(1);
      expect(progress).toContain('config applied; waiting for the node to install and boot');
    },
  );

  it('a 1.12 node configured with another CA is still called foreign', async () => {
    const stranger = await createTestPki();
    const userData = Buffer.from(
      machineConfig(stranger, { type: 'controlplane', clusterId: 'theirs' }),
    ).toString('base64');
    await bootServer(h, server(3, IPS.foreign, { version: 'v1.12.11', userData }));
    await waitListening(h, 3, 'running');
    const connections = new TalosConnections(secretsOf(pki), PORT, scaledTiming(SPEED), context([]));
    let failure: unknown;
    try {
      await connections.applyInitial(IPS.foreign, machineConfig(pki, { type: 'controlplane' }));
    } catch (error) {
      failure = error;
    } finally {
      connections.close();
    }
    expect(failure).toMatchObject({ code: 'state.foreign-node', where: `${IPS.foreign}:${PORT}` });
    expect(calls(h, 3, 'ApplyConfiguration')).toBe(0);
    expect(h.sim.node(3)?.config?.clusterId).toBe('theirs');
  }, 60_000);
});

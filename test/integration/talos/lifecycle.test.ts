/** Kubeconfig, upgrades, node targeting (metadata.error), deadlines and retries. */
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { TalosClient } from '../../../src/providers/talos/client/index.js';
import { createTestPki, machineConfig, type TestPki } from '../../support/talos-ca.js';
import {
  adminClient,
  bootServer,
  calls,
  removeDir,
  server,
  startHarness,
  talosError,
  waitFor,
  waitListening,
  type Harness,
} from './helpers.js';

const PORT = 45103;
const CP = '127.63.0.2';
const WORKER = '127.63.0.3';
const ENDPOINT = 'https://api.lifecycle.test:6443';

interface Kubeconfig {
  clusters: { name: string; cluster: { server: string; 'certificate-authority-data': string } }[];
  users: { name: string; user: { 'client-certificate-data': string; 'client-key-data': string } }[];
  'current-context': string;
}

describe('Talos lifecycle calls', () => {
  let h: Harness;
  let pki: TestPki;
  let cp: TalosClient;
  let worker: TalosClient;

  beforeAll(async () => {
    h = startHarness(PORT);
    pki = await createTestPki();
    const options = { clusterId: 'lifecycle', clusterName: 'life', endpoint: ENDPOINT };
    await bootServer(
      h,
      server(21, CP, { userData: machineConfig(pki, { type: 'controlplane', ...options }) }),
    );
    await bootServer(h, server(22, WORKER, { userData: machineConfig(pki, { type: 'worker', ...options }) }));
    await waitListening(h, 21, 'running');
    await waitListening(h, 22, 'running');
    cp = await adminClient(h, pki, CP);
    worker = await adminClient(h, pki, WORKER);
  });

  afterAll(async () => {
    await h.close();
    removeDir(h.dir);
  });

  it('returns the admin kubeconfig unpacked from the tar.gz stream', async () => {
    const text = await cp.kubeconfig();
    const config = parse(text) as Kubeconfig;
    expect(config['current-context']).toBe('admin@life');
    expect(config.clusters[0]?.cluster.server).toBe(ENDPOINT);
    const cert = new X509Certificate(Buffer.from(config.users[0]!.user['client-certificate-data'], 'base64'));
    expect(cert.subject).toContain('O=system:masters');
    expect(cert.verify(new X509Certificate(pki.k8s.crt).publicKey)).toBe(true);
    expect(Buffer.from(config.users[0]!.user['client-key-data'], 'base64').toString()).toContain(
      'PRIVATE KEY',
    );
  });

  it('serves a kubeconfig only on control planes', async () => {
    const error = await talosError(worker.kubeconfig());
    expect(error.grpcStatus).toBe('UNIMPLEMENTED');
    expect(error.message).toContain('kubeconfig is only available on control plane nodes');
  });

  it('surfaces metadata.error of a proxied reply as TalosApiError', async () => {
    const ok = await cp.version({ node: WORKER });
    expect(ok.tag).toBe('v1.13.9');
    const error = await talosError(cp.version({ node: '127.63.0.99' }));
    expect(error.code).toBe('provider.api');
    expect(error.where).toBe(`${CP}:${PORT} → 127.63.0.99`);
    expect(error.message).toContain('connection refused');
    const proxied = await talosError(cp.etcdMemberList({}, { node: WORKER }));
    expect(proxied.message).toContain('member list is only available on control plane nodes');
    expect(proxied.grpcStatus).toBe('UNIMPLEMENTED');
  });

  it('reports an exceeded deadline, after retrying the idempotent call', async () => {
    // Not bootstrapped: the node-side health check keeps waiting past the client's deadline.
    const before = calls(h, 21, 'HealthCheck');
    const error = await talosError(
      cp.healthCheck({ waitTimeoutMs: 60_000 }, { timeoutMs: 150, attempts: 1 }),
    );
    expect(error.grpcStatus).toBe('DEADLINE_EXCEEDED');
    expect(error.code).toBe('provider.unreachable');
    expect(calls(h, 21, 'HealthCheck')).toBe(before + 1);

    const client = await adminClient(h, pki, '127.63.0.50'); // nothing listens there
    const unreachable = await talosError(client.version({ attempts: 3, timeoutMs: 500 }));
    expect(unreachable.grpcStatus).toBe('UNAVAILABLE');
    // Non-idempotent calls are never retried: the node saw exactly one Bootstrap.
    const beforeBootstrap = h.sim.stats().clusters.find((c) => c.id === 'lifecycle')?.bootstrapCalls ?? 0;
    await talosError(worker.bootstrap({}, { attempts: 5 }));
    expect(calls(h, 22, 'Bootstrap')).toBe(1);
    expect(h.sim.stats().clusters.find((c) => c.id === 'lifecycle')?.bootstrapCalls).toBe(
      beforeBootstrap + 1,
    );
  });

  it('upgrades with the legacy Upgrade: the node installs, reboots and reports the new version', async () => {
    await cp.bootstrap();
    const bad = await talosError(cp.upgrade({ image: 'ghcr.io/siderolabs/installer:v1.16.0' }));
    expect(bad.grpcStatus).toBe('FAILED_PRECONDITION');
    const reply = await cp.upgrade({ image: 'factory.talos.dev/hcloud-installer/abc:v1.13.10' });
    expect(reply.ack).toBe('Upgrade request received');
    expect(reply.actorId).not.toBe('');
    await waitFor('the reboot', () => h.sim.node(21)?.record.phase === 'rebooting');
    await waitListening(h, 21, 'running');
    expect((await cp.version()).tag).toBe('v1.13.10');
    expect(h.sim.node(21)?.etcdRunning()).toBe(true);
  });

  it('upgrades with LifecycleService after an image pull, active after a reboot', async () => {
    const image = 'factory.talos.dev/hcloud-installer/abc:v1.13.11';
    const missing = await talosError(worker.lifecycleUpgrade({ imageName: image }));
    expect(missing.message).toContain('not found in containerd store');
    expect(await worker.imagePull({ imageRef: image })).toBe(image);
    const lines = await worker.lifecycleUpgrade({ imageName: image });
    expect(lines.at(-1)).toContain('v1.13.11');
    expect((await worker.version()).tag).toBe('v1.13.9');
    await worker.reboot();
    await waitFor('the reboot', () => h.sim.node(22)?.record.phase === 'rebooting');
    await waitListening(h, 22, 'running');
    expect((await worker.version()).tag).toBe('v1.13.11');
  });

  it('applies a config change live, and refuses a change of machine type', async () => {
    const options = {
      clusterId: 'lifecycle',
      clusterName: 'life',
      endpoint: 'https://api2.lifecycle.test:6443',
    };
    const result = await cp.applyConfiguration({
      data: machineConfig(pki, { type: 'controlplane', ...options }),
    });
    expect(result.mode).toBe('NO_REBOOT');
    expect(JSON.parse(JSON.stringify(parse(await cp.kubeconfig()))).clusters[0].cluster.server).toBe(
      options.endpoint,
    );
    const error = await talosError(
      cp.applyConfiguration({ data: machineConfig(pki, { type: 'worker', ...options }) }),
    );
    expect(error.grpcStatus).toBe('INVALID_ARGUMENT');
  });
});

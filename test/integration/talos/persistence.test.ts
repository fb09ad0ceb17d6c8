/** Node state survives a sandbox restart; the sandbox's server lifecycle drives the nodes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandboxServer, type RunningSandbox } from '@hk8s/sandbox';
import { readTalosState, TalosSimulator } from '@hk8s/sandbox';
import { createTestPki, machineConfig, type TestPki } from '../../support/talos-ca.js';
import {
  adminClient,
  bootServer,
  removeDir,
  server,
  SPEED,
  startHarness,
  talosError,
  waitFor,
  waitListening,
  type Harness,
} from './helpers.js';

const PORT = 45104;
const SANDBOX_PORT = 45105;
const CP = '127.64.0.2';

describe('Talos node state across a sandbox restart', () => {
  let pki: TestPki;
  let first: Harness;
  let second: Harness | undefined;

  beforeAll(async () => {
    pki = await createTestPki();
    first = startHarness(PORT);
  });

  afterAll(async () => {
    await second?.close();
    removeDir(first.dir);
  });

  it('comes back configured, bootstrapped and at its version without a fresh boot', async () => {
    const info = server(31, CP, {
      userData: machineConfig(pki, { type: 'controlplane', clusterId: 'persist' }),
    });
    await bootServer(first, info);
    await waitListening(first, 31, 'running');
    const client = await adminClient(first, pki, CP);
    await client.bootstrap();
    await first.close();
    expect(readTalosState(first.dir).clusters[0]).toMatchObject({
      id: 'persist',
      bootstrapCalls: 1,
      bootstraps: 1,
    });

    second = startHarness(PORT, first.dir);
    await second.sim.hooks.onServerCreated?.(info, true);
    await second.sim.hooks.onServerPower?.(info, 'on');
    await waitListening(second, 31, 'running');
    expect(second.sim.node(31)?.record.bootCount).toBe(1);
    const again = await adminClient(second, pki, CP);
    expect((await again.etcdMemberList()).length).toBe(1);
    expect((await talosError(again.bootstrap())).grpcStatus).toBe('ALREADY_EXISTS');
    expect(second.sim.stats().clusters[0]).toMatchObject({ bootstrapCalls: 2, bootstraps: 1 });
  });

  it('retries an idempotent call until a node that was down is back', async () => {
    const info = server(31, CP);
    const client = await adminClient(second!, pki, CP);
    await second!.sim.hooks.onServerPower?.(info, 'off');
    await waitFor('the node to go down', () => second!.sim.node(31)?.listening === false);
    expect((await talosError(client.version({ attempts: 1 }))).grpcStatus).toBe('UNAVAILABLE');
    const pending = client.version({ attempts: 40 });
    await new Promise((r) => setTimeout(r, 150));
    await second!.sim.hooks.onServerPower?.(info, 'on');
    expect((await pending).tag).toBe('v1.13.9');
    expect(second!.sim.node(31)?.record.bootCount).toBe(2);
  });

  it('stops listening when the server is powered off and forgets a deleted server', async () => {
    const info = server(31, CP);
    await second!.sim.hooks.onServerPower?.(info, 'off');
    await waitFor('the listener to close', () => second!.sim.node(31)?.listening === false);
    expect(second!.sim.node(31)?.record.phase).toBe('off');
    await second!.sim.hooks.onServerDeleted?.(info);
    expect(second!.sim.node(31)).toBeUndefined();
    expect(readTalosState(second!.dir).nodes).toEqual([]);
  });
});

describe('Talos nodes behind the simulated Hetzner API', () => {
  let sandbox: RunningSandbox;
  let sim: TalosSimulator;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hk8s-talos-sandbox-'));
    sim = new TalosSimulator({ stateDir: dir, port: SANDBOX_PORT, speed: SPEED, log: () => {} });
    sandbox = await startSandboxServer({ stateDir: dir, speed: SPEED, seedImages: true, hooks: sim.hooks });
  });

  afterAll(async () => {
    await sandbox.close();
    await sim.close();
    removeDir(dir);
  });

  async function api(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    const res = await fetch(`${sandbox.url}${path}`, {
      method,
      headers: { Authorization: 'Bearer test', 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await res.json()) as Record<string, unknown>;
  }

  it('starts a node for a server created from the Talos snapshot, configured from its userdata', async () => {
    const pki = await createTestPki();
    const userData = machineConfig(pki, { type: 'controlplane', clusterId: 'via-sandbox' });
    const created = await api('POST', '/servers', {
      name: 'cp-1',
      server_type: 'cx22',
      image: '320000001',
      location: 'fsn1',
      user_data: userData,
    });
    const srv = created['server'] as { id: number; public_net: { ipv4: { ip: string } } };
    await api('POST', '/servers', {
      name: 'plain',
      server_type: 'cx22',
      image: 'debian-12',
      location: 'fsn1',
    });
    await waitFor(
      'the node',
      () => sim.node(srv.id)?.listening === true && sim.node(srv.id)?.record.phase === 'running',
    );
    expect(sim.stats().nodes.map((n) => n.name)).toEqual(['cp-1']);

    const h = { sim, dir, port: SANDBOX_PORT, clients: [], close: async () => {} } as Harness;
    const client = await adminClient(h, pki, srv.public_net.ipv4.ip);
    expect((await client.version()).tag).toBe('v1.13.9');
    client.close();

    await api('POST', `/servers/${srv.id}/actions/poweroff`);
    await waitFor(
      'power off',
      () => sim.node(srv.id)?.record.phase === 'off' && !sim.node(srv.id)?.listening,
    );
  });
});

/**
 * The upgrade's Talos steps against simulated nodes: LifecycleService on 1.13 and the legacy call
 * on 1.12 (as talosctl chooses), a node that falls back to its old version, Talos's own refusals
 * named after the node, etcd status and leader, and the plan-time version observation.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Hk8sError } from '../../../src/errors.js';
import { scaledTiming } from '../../../src/execute/talos/connections.js';
import { etcdProblem, refuseTwoMembers } from '../../../src/execute/talos/upgrade-etcd.js';
import { installWhenFree } from '../../../src/execute/talos/upgrade-busy.js';
import { installUpgrade, waitForNewVersion } from '../../../src/execute/talos/upgrade-install.js';
import type { RunContext } from '../../../src/execute/runner.js';
import { observeTalosVersions } from '../../../src/observe/talos.js';
import type { UpgradeAction } from '../../../src/plan/types.js';
import type { TalosClient } from '../../../src/providers/talos/client/index.js';
import { createTestPki, machineConfig, type TestPki } from '../../support/talos-ca.js';
import {
  adminClient,
  bootServer,
  calls,
  removeDir,
  server,
  startHarness,
  waitFor,
  waitListening,
  type Harness,
} from './helpers.js';

const CPS = ['127.66.0.2', '127.66.0.3', '127.66.0.4'];
const WORKER = '127.66.0.10';
const CLUSTER = 'upgrade-test-cluster';
const TIMING = { ...scaledTiming(0.002), pollMs: 10, installTimeoutMs: 20_000 };
const IMAGE = (version: string) => `factory.talos.dev/hcloud-installer/abc:${version}`;

function ctx(progress: string[] = []): RunContext {
  return {
    run: 'test',
    signal: new AbortController().signal,
    idOf: () => undefined,
    recordOf: () => undefined,
    progress: (message) => progress.push(message),
    secrets: { get: () => undefined, put: async () => undefined, forget: async () => undefined },
  };
}

function step(to: string, from: string, role: UpgradeAction['role'] = 'worker'): UpgradeAction {
  return {
    id: `upgrade:talos.node.w.1@${to}`,
    kind: 'upgrade',
    address: 'talos.node.w.1',
    dependsOn: [],
    reason: 'test',
    node: 'server.w.1',
    role,
    from,
    to,
    image: IMAGE(to),
  };
}

const noDrain = async () => undefined;

/** New channels for polling a rebooting node, as the runner dials them. */
function dial(h: Harness, ip: string): () => Promise<TalosClient> {
  return () => adminClient(h, pki, ip);
}

let pki: TestPki;

async function failure(promise: Promise<unknown>): Promise<Hk8sError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Hk8sError);
  return error as Hk8sError;
}

// Known flake (see the session note): now and then a simulated node's listener stays refused for the
// whole wait after its reboot; each test builds its own cluster, so a retry starts clean.
describe('Talos upgrade steps on simulated nodes', { retry: 2 }, () => {
  let h: Harness | undefined;
  let nextPort = 45150;

  beforeAll(async () => {
    pki = await createTestPki();
  });

  afterEach(async () => {
    if (!h) return;
    await h.close();
    removeDir(h.dir);
    h = undefined;
  });

  /** Three control planes (bootstrapped) and a worker at `version`. */
  async function cluster(version = 'v1.13.9') {
    const harness = startHarness(nextPort++);
    h = harness;
    const cpConfig = machineConfig(pki, { type: 'controlplane', clusterId: CLUSTER });
    const workerConfig = machineConfig(pki, { type: 'worker', clusterId: CLUSTER });
    for (const [i, ip] of CPS.entries()) {
      await bootServer(harness, server(11 + i, ip, { userData: cpConfig, version }));
    }
    await bootServer(harness, server(14, WORKER, { userData: workerConfig, version }));
    for (const id of [11, 12, 13, 14]) await waitListening(harness, id, 'running');
    const cp = await Promise.all(CPS.map((ip) => adminClient(harness, pki, ip)));
    const worker = await adminClient(harness, pki, WORKER);
    await cp[0]?.bootstrap();
    await waitFor('3 members', () => harness.sim.stats().clusters[0]?.etcdMembers.length === 3);
    const targets = CPS.map((ip, i) => ({ server: `server.cp.${i + 1}`, hostname: `node-${11 + i}`, ip }));
    const clientOf = async (ip: string) => cp[CPS.indexOf(ip)] as TalosClient;
    return { harness, cp, worker, targets, clientOf };
  }

  it('on 1.13: pulls, runs LifecycleService.Upgrade while draining, reboots, and waits for the new version', async () => {
    const { harness, worker } = await cluster();
    const progress: string[] = [];
    const action = step('v1.13.10', 'v1.13.9');
    // The drain runs alongside the install (which disturbs nothing) and is over before the reboot.
    let atDrainEnd: unknown;
    const drain = async () => {
      await new Promise((r) => setTimeout(r, 20));
      atDrainEnd = { reboots: calls(harness, 14, 'Reboot') };
    };
    const how = await installUpgrade(worker, action, 'v1.13.9', 'node-14', ctx(progress), TIMING, drain);
    expect(how).toBe('lifecycle');
    expect(atDrainEnd).toEqual({ reboots: 0 });
    expect(calls(harness, 14, 'Reboot')).toBe(1);
    await waitForNewVersion(dial(harness, WORKER), action, 'v1.13.9', 'node-14', ctx(progress), TIMING);
    expect((await worker.version()).tag).toBe('v1.13.10');
    expect(calls(harness, 14, 'Upgrade')).toBe(0);
    expect(calls(harness, 14, 'Reboot')).toBe(1);
  });

  it('on 1.12: the legacy MachineService.Upgrade', async () => {
    const { harness, worker } = await cluster('v1.12.11');
    const action = step('v1.13.10', 'v1.12.11');
    let upgradesAtDrain = -1;
    const drain = async () => {
      upgradesAtDrain = calls(harness, 14, 'Upgrade');
    };
    expect(await installUpgrade(worker, action, 'v1.12.11', 'node-14', ctx(), TIMING, drain)).toBe('legacy');
    expect(upgradesAtDrain).toBe(0);
    await waitForNewVersion(dial(harness, WORKER), action, 'v1.12.11', 'node-14', ctx(), TIMING);
    expect((await worker.version()).tag).toBe('v1.13.10');
    expect(calls(harness, 14, 'Upgrade')).toBe(1);
    expect(calls(harness, 14, 'Reboot')).toBe(0);
  });

  it('a node that comes back on its old version fails the step, naming the node', async () => {
    const { harness, worker } = await cluster();
    harness.sim.faults.control('POST', '/_sandbox/talos/faults', { upgradeFallsBack: ['node-14'] });
    const action = step('v1.13.10', 'v1.13.9');
    await installUpgrade(worker, action, 'v1.13.9', 'node-14', ctx(), TIMING, noDrain);
    const error = await failure(
      waitForNewVersion(dial(harness, WORKER), action, 'v1.13.9', 'node-14', ctx(), TIMING),
    );
    expect(error.message).toBe('node-14 came back on Talos v1.13.9, not v1.13.10: the upgrade did not take');
    expect(error.where).toBe('server.w.1');
  });

  it("a node still busy with an earlier run's upgrade is waited out, not asked twice", async () => {
    const { harness, worker } = await cluster('v1.12.11');
    const action = step('v1.13.10', 'v1.12.11');
    // The killed run's request: the node is upgrading while still answering on v1.12.11.
    const node = () => harness.sim.stats().nodes.find((n) => n.serverId === 14);
    await worker.upgrade({ image: action.image });
    expect((await worker.version()).tag).toBe('v1.12.11');
    const progress: string[] = [];
    const target = {
      action,
      hostname: 'node-14',
      ctx: ctx(progress),
      timing: TIMING,
      dial: dial(harness, WORKER),
    };
    let drains = 0;
    const drain = async () => {
      drains++;
    };
    expect(await installWhenFree(worker, target, 'v1.12.11', drain)).toBe('taken');
    expect(progress).toContain('node-14 is busy with an earlier upgrade or reboot; waiting for it to end');
    // Asked again while busy (each refused); the first request brought it to the target.
    expect(calls(harness, 14, 'Upgrade')).toBeGreaterThanOrEqual(2);
    expect(node()?.version).toBe('v1.13.10');
    expect(drains).toBe(1);
  });

  it("Talos's own refusal surfaces with the node's name", async () => {
    const { worker } = await cluster();
    // The installer of 1.16 refuses a 1.13 host.
    const action = step('v1.16.0', 'v1.13.9');
    const error = await failure(installUpgrade(worker, action, 'v1.13.9', 'node-14', ctx(), TIMING, noDrain));
    expect(error.message).toMatch(/^Talos on node-14 refused the upgrade to v1.16.0: /);
    expect(error.where).toBe('server.w.1');
  });

  it('etcd checks: healthy with one leader; a stopped member and a two-member etcd are named', async () => {
    const { cp, targets, clientOf } = await cluster();
    const call = { timeoutMs: 2000, attempts: 1 };
    const statuses = await Promise.all(cp.map((c) => c.etcdStatus()));
    expect(new Set(statuses.map((s) => s.leader)).size).toBe(1);
    expect(statuses[0]?.leader).not.toBe('0');
    expect(await etcdProblem(targets, clientOf, call)).toBeUndefined();
    const third = (await cp[0]!.etcdMemberList()).find((m) => m.hostname === 'node-13');
    await cp[0]!.etcdRemoveMemberById(third!.id);
    expect(await etcdProblem(targets, clientOf, call)).toMatch(/^etcd on node-13 is not running/);
    const refusal = await failure(refuseTwoMembers(targets[0]!, clientOf, call));
    expect(refusal.message).toContain('etcd has 2 members');
    expect(refusal.where).toBe('server.cp.1');
  });

  it('observes versions a few nodes at a time; a node that does not answer is unknown', async () => {
    const { cp, worker } = await cluster();
    const byIp = new Map<string, TalosClient>([
      ...CPS.map((ip, i) => [ip, cp[i]!] as const),
      [WORKER, worker],
    ]);
    let inFlight = 0;
    let most = 0;
    const probe = async (ip: string) => {
      inFlight++;
      most = Math.max(most, inFlight);
      try {
        const client = byIp.get(ip);
        if (!client) throw Object.assign(new Error('refused'), { grpcStatus: 'UNAVAILABLE' });
        return (await client.version({ attempts: 1 })).tag;
      } finally {
        inFlight--;
      }
    };
    const targets = [
      ...CPS.map((ip, i) => ({ server: `server.cp.${i + 1}`, ip })),
      { server: 'server.w.1', ip: WORKER },
      { server: 'server.w.2', ip: '127.66.0.99' },
    ];
    const versions = await observeTalosVersions(targets, probe, 2);
    expect(most).toBeLessThanOrEqual(2);
    expect(versions).toEqual({
      'server.cp.1': { status: 'running', version: 'v1.13.9' },
      'server.cp.2': { status: 'running', version: 'v1.13.9' },
      'server.cp.3': { status: 'running', version: 'v1.13.9' },
      'server.w.1': { status: 'running', version: 'v1.13.9' },
      'server.w.2': { status: 'unknown', reason: 'Talos API answered UNAVAILABLE' },
    });
  });
});

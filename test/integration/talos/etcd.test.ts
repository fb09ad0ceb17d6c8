/**
 * Bootstrap once, control planes join, membership changes and their refusals, health check. Each
 * test boots its own cluster and brings it to the state it needs, so any one runs alone.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, machineConfig, type TestPki } from '../../support/talos-ca.js';
import {
  adminClient,
  bootServer,
  removeDir,
  server,
  startHarness,
  talosError,
  waitFor,
  waitListening,
  type Harness,
} from './helpers.js';

const PORT = 45102;
const CPS = ['127.62.0.2', '127.62.0.3', '127.62.0.4'];
const WORKER = '127.62.0.10';
const CLUSTER = 'etcd-test-cluster';

describe('etcd on simulated control planes', () => {
  let pki: TestPki;
  let h: Harness | undefined;
  let nextPort = PORT;

  beforeAll(async () => {
    pki = await createTestPki();
  });

  afterEach(async () => {
    if (!h) return;
    await h.close();
    removeDir(h.dir);
    h = undefined;
  });

  /** Three control planes and a worker, booted with their configs; etcd not bootstrapped. */
  async function boot() {
    const harness = startHarness(nextPort++);
    h = harness;
    const cpConfig = machineConfig(pki, { type: 'controlplane', clusterId: CLUSTER });
    const workerConfig = machineConfig(pki, { type: 'worker', clusterId: CLUSTER });
    // Userdata as hk8s sends it: base64 for one node, plain YAML for the others.
    await bootServer(
      harness,
      server(11, CPS[0] ?? '', { userData: Buffer.from(cpConfig).toString('base64') }),
    );
    await bootServer(harness, server(12, CPS[1] ?? '', { userData: cpConfig }));
    await bootServer(harness, server(13, CPS[2] ?? '', { userData: cpConfig }));
    await bootServer(harness, server(14, WORKER, { userData: workerConfig }));
    for (const id of [11, 12, 13, 14]) await waitListening(harness, id, 'running');
    const cp = await Promise.all(CPS.map((ip) => adminClient(harness, pki, ip)));
    const worker = await adminClient(harness, pki, WORKER);
    const cluster = () => harness.sim.stats().clusters.find((c) => c.id === CLUSTER);
    return { h: harness, cp, worker, cluster };
  }

  /** Booted and bootstrapped, with all three control planes in etcd. */
  async function formed() {
    const c = await boot();
    await c.cp[0]!.bootstrap();
    await waitFor('3 members', () => c.cluster()?.etcdMembers.length === 3);
    return c;
  }

  /** Formed, then node-13 removed from etcd: two members left. */
  async function twoMembers() {
    const c = await formed();
    const third = (await c.cp[0]!.etcdMemberList()).find((m) => m.hostname === 'node-13');
    await c.cp[0]!.etcdRemoveMemberById(third!.id);
    return c;
  }

  it('has no etcd before bootstrap, and the health check waits for it until its deadline', async () => {
    const { cp } = await boot();
    const error = await talosError(cp[0]!.etcdMemberList());
    expect(error.grpcStatus).toBe('FAILED_PRECONDITION');
    const timeout = await talosError(cp[0]!.healthCheck({ waitTimeoutMs: 100 }));
    expect(timeout.grpcStatus).toBe('DEADLINE_EXCEEDED');
    expect(timeout.message).toContain('etcd');
  });

  it('refuses Bootstrap on a worker', async () => {
    const { worker, cluster } = await boot();
    const error = await talosError(worker.bootstrap());
    expect(error.grpcStatus).toBe('FAILED_PRECONDITION');
    expect(error.message).toContain('control plane');
    // A refused call still counts as a call, and bootstraps nothing.
    expect(cluster()).toMatchObject({ bootstrapCalls: 1, bootstraps: 0 });
  });

  it('bootstraps once; a second Bootstrap anywhere is AlreadyExists; all control planes join', async () => {
    const { cp, worker, cluster } = await boot();
    // Refused on the worker first: every call counts, the refused one included.
    expect((await talosError(worker.bootstrap())).grpcStatus).toBe('FAILED_PRECONDITION');
    await cp[0]!.bootstrap();
    const again = await talosError(cp[0]!.bootstrap());
    expect(again.grpcStatus).toBe('ALREADY_EXISTS');
    await waitFor('3 members', () => cluster()?.etcdMembers.length === 3);
    const other = await talosError(cp[1]!.bootstrap());
    expect(other.grpcStatus).toBe('ALREADY_EXISTS');
    expect(cluster()).toMatchObject({ bootstrapCalls: 4, bootstraps: 1 });

    const members = await cp[1]!.etcdMemberList();
    expect(members.map((m) => m.hostname).sort()).toEqual(['node-11', 'node-12', 'node-13']);
    expect(members.every((m) => /^\d+$/.test(m.id) && !m.isLearner)).toBe(true);
    const services = await cp[2]!.serviceList();
    expect(services.find((s) => s.id === 'etcd')).toMatchObject({ state: 'Running', healthy: true });
    expect((await worker.serviceList()).some((s) => s.id === 'etcd')).toBe(false);
  });

  it('answers member list only on control planes', async () => {
    const { worker } = await formed();
    const error = await talosError(worker.etcdMemberList());
    expect(error.grpcStatus).toBe('UNIMPLEMENTED');
    expect(error.message).toContain('member list is only available on control plane nodes');
  });

  it('passes the health check once etcd is formed and every node is up', async () => {
    const { cp } = await formed();
    const lines: string[] = [];
    const all = await cp[0]!.healthCheck({
      waitTimeoutMs: 5000,
      controlPlaneNodes: CPS,
      workerNodes: [WORKER],
      onProgress: (line) => lines.push(line),
    });
    expect(all).toEqual(lines);
    expect(lines[0]).toContain('discovered nodes');
    expect(lines).toContain('waiting for etcd to be healthy: OK');
    expect(lines.at(-1)).toBe('waiting for all nodes to finish boot sequence: OK');
  });

  it('refuses an upgrade of a control plane while etcd has exactly two members', async () => {
    const { cp } = await formed();
    const members = await cp[0]!.etcdMemberList();
    const third = members.find((m) => m.hostname === 'node-13');
    await cp[0]!.etcdRemoveMemberById(third!.id);
    expect((await cp[0]!.etcdMemberList()).length).toBe(2);
    const error = await talosError(cp[0]!.upgrade({ image: 'ghcr.io/siderolabs/installer:v1.13.10' }));
    expect(error.grpcStatus).toBe('FAILED_PRECONDITION');
    expect(error.message).toContain('quorum');
    const unknown = await talosError(cp[0]!.etcdRemoveMemberById('12345'));
    expect(unknown.grpcStatus).toBe('NOT_FOUND');
    // The removed member's node no longer runs etcd.
    expect((await talosError(cp[2]!.etcdMemberList())).grpcStatus).toBe('FAILED_PRECONDITION');
  });

  it('lets a member leave, but never the last one', async () => {
    const { cp } = await twoMembers();
    await cp[1]!.etcdLeaveCluster();
    const members = await cp[0]!.etcdMemberList();
    expect(members.map((m) => m.hostname)).toEqual(['node-11']);
    const error = await talosError(cp[0]!.etcdLeaveCluster());
    expect(error.grpcStatus).toBe('FAILED_PRECONDITION');
    expect(error.message).toContain('not enough started members');
    const remove = await talosError(cp[0]!.etcdRemoveMemberById(members[0]!.id));
    expect(remove.grpcStatus).toBe('FAILED_PRECONDITION');
  });

  it('rejoins etcd after a reboot', async () => {
    const { h: harness, cp, cluster } = await twoMembers();
    await cp[1]!.etcdLeaveCluster();
    expect(cluster()?.etcdMembers.length).toBe(1);
    await cp[1]!.reboot();
    await waitFor('node-12 back in etcd', () => cluster()?.etcdMembers.length === 2);
    expect(harness.sim.node(12)?.record.bootCount).toBe(2);
  });
});

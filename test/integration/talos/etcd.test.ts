/** Bootstrap once, control planes join, membership changes and their refusals, health check. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TalosClient } from '../../../src/providers/talos/client/index.js';
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
  let h: Harness;
  let pki: TestPki;
  let cp: TalosClient[];
  let worker: TalosClient;

  beforeAll(async () => {
    h = startHarness(PORT);
    pki = await createTestPki();
    const cpConfig = machineConfig(pki, { type: 'controlplane', clusterId: CLUSTER });
    const workerConfig = machineConfig(pki, { type: 'worker', clusterId: CLUSTER });
    // Userdata as hk8s sends it: base64 for one node, plain YAML for the others.
    await bootServer(h, server(11, CPS[0] ?? '', { userData: Buffer.from(cpConfig).toString('base64') }));
    await bootServer(h, server(12, CPS[1] ?? '', { userData: cpConfig }));
    await bootServer(h, server(13, CPS[2] ?? '', { userData: cpConfig }));
    await bootServer(h, server(14, WORKER, { userData: workerConfig }));
    for (const id of [11, 12, 13, 14]) await waitListening(h, id, 'running');
    cp = await Promise.all(CPS.map((ip) => adminClient(h, pki, ip)));
    worker = await adminClient(h, pki, WORKER);
  });

  afterAll(async () => {
    await h.close();
    removeDir(h.dir);
  });

  const cluster = () => h.sim.stats().clusters.find((c) => c.id === CLUSTER);

  it('has no etcd before bootstrap, and the health check waits for it until its deadline', async () => {
    const error = await talosError(cp[0]!.etcdMemberList());
    expect(error.grpcStatus).toBe('FAILED_PRECONDITION');
    const timeout = await talosError(cp[0]!.healthCheck({ waitTimeoutMs: 100 }));
    expect(timeout.grpcStatus).toBe('DEADLINE_EXCEEDED');
    expect(timeout.message).toContain('etcd');
  });

  it('refuses Bootstrap on a worker', async () => {
    const error = await talosError(worker.bootstrap());
    expect(error.grpcStatus).toBe('FAILED_PRECONDITION');
    expect(error.message).toContain('control plane');
  });

  it('bootstraps once; a second Bootstrap anywhere is AlreadyExists; all control planes join', async () => {
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
    const error = await talosError(worker.etcdMemberList());
    expect(error.grpcStatus).toBe('UNIMPLEMENTED');
    expect(error.message).toContain('member list is only available on control plane nodes');
  });

  it('passes the health check once etcd is formed and every node is up', async () => {
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
    await cp[1]!.reboot();
    await waitFor('node-12 back in etcd', () => cluster()?.etcdMembers.length === 2);
    expect(h.sim.node(12)?.record.bootCount).toBe(2);
  });
});

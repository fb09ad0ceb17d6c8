/**
 * hk8s's etcd member removal (src/execute/talos/etcd-membership.ts) with the real Talos client
 * against simulated control planes: a node that answers leaves by itself, a node that is gone is
 * removed by its member id from a peer, and a removal that would break quorum is refused before
 * anything is called.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  removeEtcdMember,
  waitForMember,
  type MemberChangeContext,
} from '../../../src/execute/talos/etcd-membership.js';
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

const PORT = 45172;
const CLUSTER = 'member-removal-cluster';
const IPS = ['127.63.0.2', '127.63.0.3', '127.63.0.4'];
const host = (i: number) => `node-${11 + i}`;

describe('etcd member removal against simulated control planes', () => {
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

  /** Three control planes, bootstrapped, all members. */
  async function formed() {
    const harness = startHarness(nextPort++);
    h = harness;
    const config = machineConfig(pki, { type: 'controlplane', clusterId: CLUSTER });
    const infos = IPS.map((ip, i) => server(11 + i, ip, { userData: config }));
    for (const info of infos) await bootServer(harness, info);
    for (const info of infos) await waitListening(harness, info.id, 'running');
    await (await adminClient(harness, pki, IPS[0] ?? '')).bootstrap();
    const cluster = () => harness.sim.stats().clusters.find((c) => c.id === CLUSTER);
    await waitFor('3 members', () => cluster()?.etcdMembers.length === 3);
    const ctx: MemberChangeContext & { said: string[] } = {
      said: [],
      progress: (message) => ctx.said.push(message),
      client: (ip) => adminClient(harness, pki, ip),
    };
    const members = () => (cluster()?.etcdMembers ?? []).map((m) => m.hostname).sort();
    return { harness, infos, ctx, members };
  }

  const request = (leaving: number, staying: number[], withIp = true) => ({
    member: host(leaving),
    ...(withIp ? { ip: IPS[leaving] } : {}),
    peers: staying.map((i) => ({ hostname: host(i), ip: IPS[i] ?? '' })),
    ipOf: (hostname: string) => IPS[Number(hostname.slice(5)) - 11],
  });

  it('a node that answers leaves by itself (EtcdLeaveCluster on it)', async () => {
    const { harness, ctx, members } = await formed();
    const outcome = await removeEtcdMember(ctx, request(2, [0, 1]));
    expect(outcome).toMatchObject({ removed: true, how: 'left', members: [host(0), host(1)] });
    expect(members()).toEqual([host(0), host(1)]);
    expect(calls(harness, 13, 'EtcdLeaveCluster')).toBe(1);
    expect(calls(harness, 11, 'EtcdRemoveMemberByID')).toBe(0);
  });

  it('a node whose server is gone is removed by member id from a peer', async () => {
    const { harness, infos, ctx, members } = await formed();
    await harness.sim.hooks.onServerDeleted?.(infos[2]!);
    const outcome = await removeEtcdMember(ctx, request(2, [0, 1]));
    expect(outcome).toMatchObject({ removed: true, how: 'removed-by-peer', peer: host(0) });
    expect(members()).toEqual([host(0), host(1)]);
    expect(calls(harness, 11, 'EtcdRemoveMemberByID')).toBe(1);
    expect(ctx.said.join('\n')).toContain(`${host(2)} does not answer`);
    // Done twice is done once: the second call finds no member and calls nothing.
    await expect(removeEtcdMember(ctx, request(2, [0, 1]))).resolves.toMatchObject({ removed: false });
    expect(calls(harness, 11, 'EtcdRemoveMemberByID')).toBe(1);
  });

  it('refuses a removal that would leave etcd without quorum, and calls nothing to remove', async () => {
    const { harness, infos, ctx, members } = await formed();
    await harness.sim.hooks.onServerPower?.(infos[1]!, 'off');
    await expect(removeEtcdMember(ctx, request(2, [0, 1]))).rejects.toThrow(
      `removing etcd member ${host(2)} would leave 2 members of which 1 are healthy, below the quorum of 2 (not healthy: ${host(1)})`,
    );
    expect(members()).toEqual([host(0), host(1), host(2)]);
    expect(calls(harness, 13, 'EtcdLeaveCluster')).toBe(0);
  });

  it('waits until a control plane is a voting member again', async () => {
    const { harness, ctx } = await formed();
    await removeEtcdMember(ctx, request(1, [0, 2]));
    const joined = waitForMember(ctx, {
      hostname: host(1),
      ips: [IPS[0] ?? ''],
      pollMs: 10,
      timeoutMs: 10_000,
      signal: new AbortController().signal,
    });
    // A reboot makes the node join again (as a new machine's first boot would).
    await (await adminClient(harness, pki, IPS[1] ?? '')).reboot();
    await expect(joined).resolves.toBeUndefined();
  });
});

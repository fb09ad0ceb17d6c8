/**
 * The simulated Talos VIP controller against the real cloud simulation, with hand-made node views:
 * who leads (the carrier while it runs, else the first running etcd member), what it calls
 * (alias IPs cleared on the carrier and set to exactly [VIP] on itself; floating IP assigned),
 * and what stops it (an invalid token, the wrong link, a locked server, retried next round).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HcloudVip } from '../src/talos/config.js';
import type { TalosNodeView } from '../src/talos/observe.js';
import { VipController, isPrivateAddress } from '../src/talos/vip.js';
import { createServer, startTestSandbox, type Json, type TestSandbox } from './helpers.js';

const TOKEN = 'project-token';
const VIP = '10.0.64.126';

interface FakeNode {
  serverId: number;
  name: string;
  ip: string | null;
  phase: TalosNodeView['phase'];
  etcdMember: boolean;
  vips: HcloudVip[];
}

class FakeNodes {
  nodes: FakeNode[] = [];
  order: number[] = [];
  private listeners = new Set<() => void>();

  nodeViews(): TalosNodeView[] {
    return this.nodes.map((n) => ({
      serverId: n.serverId,
      name: n.name,
      hostname: n.name,
      ip: n.ip,
      privateIps: [],
      arch: 'amd64',
      phase: n.phase,
      version: 'v1.13.9',
      config: {
        text: '',
        type: 'controlplane',
        clusterId: 'c1',
        clusterName: 'c1',
        endpoint: `https://${VIP}:6443`,
        osCa: { crt: '', key: '' },
        k8sCa: { crt: '', key: '' },
        certSans: [],
        installImage: '',
        hostname: n.name,
        adminKubeconfigHours: 1,
        vips: n.vips,
      },
      etcdMember: n.etcdMember,
      clusterBootstrapped: true,
    }));
  }

  etcdMemberOrder(): number[] {
    return this.order;
  }

  watch(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  changed(): void {
    for (const l of this.listeners) l();
  }
}

describe('the simulated Talos VIP controller', () => {
  let t: TestSandbox;
  let nodes: FakeNodes;
  let vip: VipController;
  let network: number;
  let servers: Json[];
  let fip: Json;
  let logs: string[];

  const aliases = async (serverId: number) =>
    (await t.api.get(`/servers/${serverId}`)).body.server.private_net[0].alias_ips;
  const fipServer = async () => (await t.api.get(`/floating_ips/${fip.id}`)).body.floating_ip.server;
  const round = () => vip.round();
  const vips = (link = 'eth1', token = TOKEN): HcloudVip[] => [
    { ip: VIP, link, apiToken: token },
    { ip: fip.ip, link: 'eth0', apiToken: token },
  ];

  beforeEach(async () => {
    t = await startTestSandbox({ token: TOKEN });
    const net = await t.api.post('/networks', {
      name: 'n',
      ip_range: '10.0.0.0/16',
      subnets: [{ type: 'cloud', ip_range: '10.0.64.0/25', network_zone: 'eu-central' }],
    });
    network = net.body.network.id;
    servers = [];
    for (const name of ['cp-1', 'cp-2', 'cp-3']) {
      servers.push(await createServer(t.api, name, { networks: [network] }));
    }
    fip = (await t.api.post('/floating_ips', { type: 'ipv4', home_location: 'fsn1', name: 'vip' })).body
      .floating_ip;
    nodes = new FakeNodes();
    nodes.nodes = servers.map((s) => ({
      serverId: s.id,
      name: s.name,
      ip: s.public_net.ipv4.ip,
      phase: 'running',
      etcdMember: true,
      vips: vips(),
    }));
    // Joined etcd in the order 2, 1, 3: membership order decides, not ids.
    nodes.order = [servers[1].id, servers[0].id, servers[2].id];
    logs = [];
    vip = new VipController({ nodes, speed: 1000, log: (m) => logs.push(m) });
    vip.connect(t.sandbox.cloud);
  });

  afterEach(async () => {
    vip.close();
    await t.close();
  });

  it('tells private addresses (alias IPs) from public ones (floating IPs) as Go does', () => {
    expect(['10.0.64.126', '172.16.0.1', '192.168.1.1', 'fd00::1'].map(isPrivateAddress)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['127.20.220.2', '172.32.0.1', '8.8.8.8', '2001:db8::1'].map(isPrivateAddress)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  it('gives both VIPs to the first etcd member and counts no client requests', async () => {
    await t.control('POST', 'stats/reset');
    round();
    expect(await aliases(servers[1].id)).toEqual([VIP]);
    expect(await aliases(servers[0].id)).toEqual([]);
    expect(await fipServer()).toBe(servers[1].id);
    expect(vip.stats().map((r) => [r.kind, r.holder, r.takeovers])).toEqual([
      ['alias-ip', servers[1].id, [servers[1].id]],
      ['floating-ip', servers[1].id, [servers[1].id]],
    ]);
    const stats = await t.control('GET', 'stats');
    // Only this test's own three GETs: the controller's calls are not the clients'.
    expect(stats.total).toBe(3);
  });

  it('keeps the VIP on its carrier, and moves it when the carrier goes down', async () => {
    round();
    // The carrier keeps it even if a node earlier in the order comes back.
    nodes.order = [servers[0].id, servers[1].id, servers[2].id];
    round();
    expect(await aliases(servers[1].id)).toEqual([VIP]);
    // Down (rebooting): the first running member in order takes it; the old carrier's list is cleared.
    nodes.nodes[1]!.phase = 'rebooting';
    await waitUnlocked(t, servers[1].id);
    round();
    expect(await aliases(servers[0].id)).toEqual([VIP]);
    expect(await aliases(servers[1].id)).toEqual([]);
    expect(await fipServer()).toBe(servers[0].id);
    const moves = vip.stats().find((r) => r.kind === 'alias-ip')?.takeovers;
    expect(moves).toEqual([servers[1].id, servers[0].id]);
    // Back up: it stays where it is.
    nodes.nodes[1]!.phase = 'running';
    await waitUnlocked(t, servers[0].id);
    round();
    expect(await aliases(servers[0].id)).toEqual([VIP]);
  });

  it('takes the VIP off a server that carries it without being a leader, losing its other aliases', async () => {
    const other = await createServer(t.api, 'stray', { networks: [network] });
    await t.api.settle(
      (
        await t.api.post(`/servers/${other.id}/actions/change_alias_ips`, {
          network,
          alias_ips: [VIP, '10.0.64.100'],
        })
      ).body,
    );
    round();
    expect(await aliases(other.id)).toEqual([]);
    expect(await aliases(servers[1].id)).toEqual([VIP]);
  });

  it('retries a takeover that found the carrier locked', async () => {
    round();
    await waitUnlocked(t, servers[1].id);
    nodes.nodes[1]!.phase = 'rebooting';
    // A running action on the carrier (a protection change, slowed down) locks it: 423 for the clear.
    await t.control('POST', 'config', { speed: 1 });
    await t.api.post(`/servers/${servers[1].id}/actions/change_protection`, { delete: true });
    round();
    expect(vip.stats()[0]?.lastError).toMatch(/423 locked/);
    expect(await aliases(servers[1].id)).toEqual([VIP]);
    await waitUnlocked(t, servers[1].id);
    await t.control('POST', 'config', { speed: 0.001 });
    round();
    expect(await aliases(servers[0].id)).toEqual([VIP]);
    expect(vip.stats()[0]?.lastError).toBeNull();
  });

  it('skips nodes whose token the cloud refuses and nodes that put the VIP on the wrong link', async () => {
    nodes.nodes[1]!.vips = vips('eth1', 'revoked');
    nodes.nodes[0]!.vips = vips('eth0');
    round();
    // cp-2 leads by order but its token is refused; cp-1 has the alias on the public link.
    expect(await aliases(servers[2].id)).toEqual([VIP]);
    expect(await aliases(servers[1].id)).toEqual([]);
    expect(await fipServer()).toBe(servers[0].id);
    const record = vip.stats().find((r) => r.kind === 'alias-ip');
    expect(record?.holder).toBe(servers[2].id);
    expect(record?.lastError).toBe('cp-1: VIP 10.0.64.126 is on link eth0, but arrives on eth1');
    expect(logs.filter((m) => m.includes('cp-2'))).toEqual([
      `talos: cp-2: VIP ${VIP}: GET /servers/${servers[1].id}: 401 unauthorized`,
      `talos: cp-2: VIP ${fip.ip}: GET /floating_ips?page=1&per_page=50: 401 unauthorized`,
    ]);
    // A refused call is logged once, not every round.
    round();
    expect(logs.filter((m) => m.includes('cp-2'))).toHaveLength(2);
  });

  it('does nothing while no control plane runs as an etcd member', async () => {
    for (const n of nodes.nodes) n.etcdMember = false;
    round();
    for (const s of servers) expect(await aliases(s.id)).toEqual([]);
    expect(await fipServer()).toBeNull();
  });
});

async function waitUnlocked(t: TestSandbox, serverId: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while ((await t.api.get(`/servers/${serverId}`)).body.server.locked) {
    if (Date.now() > deadline) throw new Error(`server ${serverId} stays locked`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

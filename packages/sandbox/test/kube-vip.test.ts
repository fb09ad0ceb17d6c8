/**
 * Simulated Talos control planes with HCloudVIPConfig documents move a private alias IP and a
 * public floating IP between themselves through the cloud API, and the Kubernetes API listens on
 * the floating IP wherever it goes: kubectl keeps answering through it while control plane 1 reboots.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { machineConfig } from './kube-pki.js';
import {
  bootstrap,
  installCni,
  control,
  createServerWithConfig,
  kubectlFor,
  readyNodes,
  startKubeHarness,
  waitFor,
  type KubeHarness,
  type Kubectl,
} from './kube-helpers.js';
import { createTestPki, type TestPki } from './kube-pki.js';
import type { Json } from './helpers.js';

const TOKEN = 'project-token';
const VIP = '10.0.64.126';

function accepts(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: ip, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('VIPs moved by the simulated Talos controller', () => {
  let h: KubeHarness;
  let pki: TestPki;
  let fip: Json;
  let network: number;
  const ids = new Map<string, number>();
  let kubectl: Kubectl;

  const fipServer = async () => (await h.api.get(`/floating_ips/${fip.id}`)).body.floating_ip.server;
  const aliases = async (name: string) =>
    (await h.api.get(`/servers/${ids.get(name)}`)).body.server.private_net[0].alias_ips;

  beforeAll(async () => {
    h = await startKubeHarness({ token: TOKEN });
    pki = await createTestPki();
    const net = await h.api.post('/networks', {
      name: 'vip',
      ip_range: '10.0.0.0/16',
      subnets: [{ type: 'cloud', ip_range: '10.0.64.0/25', network_zone: 'eu-central' }],
    });
    network = net.body.network.id;
    fip = (await h.api.post('/floating_ips', { type: 'ipv4', home_location: 'fsn1', name: 'vip-api' })).body
      .floating_ip;
    const options = { clusterId: 'vip-id', clusterName: 'vip', endpoint: `https://${VIP}:6443` };
    const documents = [
      { apiVersion: 'v1alpha1', kind: 'HCloudVIPConfig', name: VIP, link: 'eth1', apiToken: TOKEN },
      { apiVersion: 'v1alpha1', kind: 'HCloudVIPConfig', name: fip.ip, link: 'eth0', apiToken: TOKEN },
    ];
    const cp = machineConfig(pki, {
      type: 'controlplane',
      ...options,
      certSANs: [VIP, fip.ip],
      documents,
    });
    for (const name of ['vip-cp-1', 'vip-cp-2', 'vip-cp-3']) {
      ids.set(name, (await createServerWithConfig(h, name, cp, { networks: [network] })).id);
    }
    const worker = machineConfig(pki, { type: 'worker', ...options });
    ids.set(
      'vip-worker-1',
      (await createServerWithConfig(h, 'vip-worker-1', worker, { networks: [network] })).id,
    );
    await waitFor('talos nodes running', () =>
      [...ids.values()].every(
        (id) => h.talos.node(id)?.record.phase === 'running' && h.talos.node(id)?.listening,
      ),
    );
    const first = h.talos.node(ids.get('vip-cp-1') ?? 0)?.record.ip ?? '';
    await bootstrap(h, pki, first);
    await installCni(h, 'vip-id');
    await waitFor('all nodes Ready', () => readyNodes(h, 'vip-id') === 4);
    kubectl = await kubectlFor(h, pki, fip.ip);
  });
  afterAll(async () => h?.close());

  it('gives both VIPs to control plane 1 (the first etcd member) and serves the API on the floating IP', async () => {
    await waitFor('floating IP on cp-1', async () => (await fipServer()) === ids.get('vip-cp-1'));
    await waitFor('alias IP on cp-1', async () => (await aliases('vip-cp-1')).includes(VIP));
    expect(await aliases('vip-cp-2')).toEqual([]);
    await waitFor('API on the floating IP', () => accepts(fip.ip, h.kube.port));
    const r = await kubectl.run(['get', 'nodes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(5);
    const record = (await control(h, 'GET', 'kube')).clusters.find((c: Json) => c.name === 'vip');
    expect(record.endpoints).toContain(fip.ip);
    expect(record.endpoints.some((ip: string) => ip.startsWith('10.'))).toBe(false);
  });

  it('moves both VIPs to another control plane while control plane 1 is off; kubectl keeps answering', async () => {
    const cp1 = ids.get('vip-cp-1');
    const off = await h.api.post(`/servers/${cp1}/actions/poweroff`);
    await h.api.settle(off.body);
    await waitFor('floating IP moved', async () => ![cp1, null].includes(await fipServer()));
    const holder = await fipServer();
    const holderName = [...ids].find(([, id]) => id === holder)?.[0] ?? '';
    expect(holderName).toMatch(/^vip-cp-[23]$/);
    await waitFor('alias IP moved', async () => (await aliases(holderName)).includes(VIP));
    expect(await aliases('vip-cp-1')).toEqual([]);
    // While cp-1 is down, the API answers through the floating IP.
    const during = await kubectl.run(['get', 'nodes']);
    expect(during.code, during.stderr).toBe(0);
    expect(during.stdout).toMatch(/vip-cp-1\s+NotReady/);
    await h.api.settle((await h.api.post(`/servers/${cp1}/actions/poweron`)).body);
    await waitFor('cp-1 running again', () => h.talos.node(cp1 ?? 0)?.record.phase === 'running');
    const after = await kubectl.run(['get', 'nodes']);
    expect(after.code, after.stderr).toBe(0);
    // It stays with its new holder: leadership is sticky.
    expect(await fipServer()).toBe(holder);
    const vips = (await control(h, 'GET', 'vips')) as Json[];
    expect(vips.map((v) => [v.kind, v.takeovers.length])).toEqual([
      ['alias-ip', 2],
      ['floating-ip', 2],
    ]);
  });
});

/**
 * The API endpoints of a cluster: each control plane while its node runs, and a load balancer with
 * a 6443 service in front of the control planes, which keeps the API reachable while control
 * plane 1 is down or reboots. Node readiness and versions follow Talos; the record keeps them.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeClientCert, machineConfig, type PemPair } from './kube-pki.js';
import {
  control,
  createCluster,
  kubectlFor,
  rawRequest,
  startKubeHarness,
  talosCall,
  waitFor,
  type KubeHarness,
  type Kubectl,
  type TestCluster,
} from './kube-helpers.js';
import type { Json } from './helpers.js';

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

describe('control-plane endpoints', () => {
  let h: KubeHarness;
  let c: TestCluster;
  let lbIp: string;
  let viaLb: Kubectl;
  let admin: PemPair;
  const cp1 = () => c.servers.get('ep-cp-1')!;

  const nodeReady = async (name: string): Promise<string> => {
    const r = await rawRequest(`https://${lbIp}:${h.kube.port}/api/v1/nodes/${name}`, {
      ca: c.pki.k8s.crt,
      client: admin,
    });
    return r.body.status.conditions.find((x: Json) => x.type === 'Ready').status;
  };
  const record = async () => (await control(h, 'GET', 'kube')).clusters.find((x: Json) => x.name === 'ep');

  beforeAll(async () => {
    h = await startKubeHarness();
    c = await createCluster(h, 'ep', 3, 1);
    admin = await kubeClientCert(c.pki.k8s, 'admin', ['system:masters']);
    const cps = c.controlPlanes.map((n) => ({
      type: 'server',
      server: { id: c.servers.get(n)!.id },
      use_private_ip: false,
    }));
    const res = await h.api.post('/load_balancers', {
      name: 'ep-api',
      load_balancer_type: 'lb11',
      location: 'fsn1',
      services: [
        {
          protocol: 'tcp',
          listen_port: 6443,
          destination_port: 6443,
          proxyprotocol: false,
          health_check: { protocol: 'tcp', port: 6443, interval: 3, timeout: 2, retries: 2 },
        },
      ],
      targets: cps,
    });
    expect(res.status).toBe(201);
    await h.api.settle(res.body);
    lbIp = res.body.load_balancer.public_net.ipv4.ip;
    await waitFor('load balancer endpoint', async () => (await record()).endpoints.includes(lbIp));
    viaLb = await kubectlFor(h, c.pki, lbIp);
    await control(h, 'POST', 'kube/reset');
  });
  afterAll(async () => h?.close());

  it('serves the API on every control plane and on the load balancer, with IP SANs for each', async () => {
    const r = await viaLb.run(['get', 'nodes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(5);
    expect((await record()).endpoints).toEqual(
      [...c.controlPlanes.map((n) => c.servers.get(n)!.ip), lbIp].sort(),
    );
    const worker = c.servers.get('ep-worker-1')!.ip;
    expect(await accepts(worker, h.kube.port)).toBe(false);
  });

  it('keeps the API reachable through the load balancer while control plane 1 is off', async () => {
    const off = await h.api.post(`/servers/${cp1().id}/actions/poweroff`);
    await h.api.settle(off.body);
    await waitFor('cp-1 endpoint down', async () => !(await accepts(cp1().ip, h.kube.port)));
    const r = await viaLb.run(['get', 'nodes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ep-cp-1\s+NotReady\s+control-plane/);
    expect((await record()).endpoints).not.toContain(cp1().ip);
    const on = await h.api.post(`/servers/${cp1().id}/actions/poweron`);
    await h.api.settle(on.body);
    await waitFor('cp-1 Ready again', async () => (await nodeReady('ep-cp-1')) === 'True');
    await waitFor('cp-1 endpoint up', () => accepts(cp1().ip, h.kube.port));
  });

  it('answers every request through the load balancer while control plane 1 reboots', async () => {
    const reboot = await h.api.post(`/servers/${cp1().id}/actions/reboot`);
    await h.api.settle(reboot.body);
    const statuses: string[] = [];
    const failures: string[] = [];
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      try {
        const s = await nodeReady('ep-cp-1');
        statuses.push(s);
        if (s === 'True' && statuses.includes('False')) break;
      } catch (error) {
        failures.push(String(error));
      }
    }
    expect(failures).toEqual([]);
    expect(statuses).toContain('False');
    expect(statuses.at(-1)).toBe('True');
    const r = await viaLb.run(['get', 'nodes']);
    expect(r.stdout).toMatch(/ep-cp-1\s+Ready\s+control-plane/);
    expect((await record()).maxUnavailable).toEqual({ notReadyOrUnschedulable: 1, notReady: 1 });
  });

  it('follows Talos upgrades and component image changes, and records them in order', async () => {
    const worker = c.servers.get('ep-worker-1')!;
    await talosCall(h, c.pki, worker.ip, 'Upgrade', { image: 'ghcr.io/siderolabs/installer:v1.13.10' });
    await waitFor('worker on v1.13.10', async () => {
      const r = await viaLb.run(['get', 'node', 'ep-worker-1', '-o', 'jsonpath={.status.nodeInfo.osImage}']);
      return r.stdout === 'Talos (v1.13.10)';
    });
    const base = {
      clusterId: c.id,
      clusterName: 'ep',
      endpoint: 'https://10.0.1.100:6443',
      kubernetesVersion: 'v1.33.1',
    };
    const cpConfig = machineConfig(c.pki, { type: 'controlplane', ...base });
    await talosCall(h, c.pki, cp1().ip, 'ApplyConfiguration', {
      data: Buffer.from(cpConfig),
      mode: 'NO_REBOOT',
    });
    await waitFor('cp-1 answers v1.33.1', async () => {
      const v = await rawRequest(`https://${cp1().ip}:${h.kube.port}/version`, { ca: c.pki.k8s.crt });
      return v.body?.gitVersion === 'v1.33.1';
    });
    const workerConfig = machineConfig(c.pki, { type: 'worker', ...base });
    await talosCall(h, c.pki, worker.ip, 'ApplyConfiguration', {
      data: Buffer.from(workerConfig),
      mode: 'NO_REBOOT',
    });
    await waitFor('worker kubelet v1.33.1', async () => {
      const r = await viaLb.run([
        'get',
        'node',
        'ep-worker-1',
        '-o',
        'jsonpath={.status.nodeInfo.kubeletVersion}',
      ]);
      return r.stdout === 'v1.33.1';
    });
    const changes = (await record()).versionChanges.map((v: Json) => [v.node, v.component, v.from, v.to]);
    expect(changes).toEqual([
      ['ep-worker-1', 'talos', 'v1.13.9', 'v1.13.10'],
      ['ep-cp-1', 'kubelet', 'v1.32.4', 'v1.33.1'],
      ['ep-cp-1', 'apiserver', 'v1.32.4', 'v1.33.1'],
      // The test config names no controller-manager or scheduler image: they follow the kubelet.
      ['ep-cp-1', 'controller-manager', 'v1.32.4', 'v1.33.1'],
      ['ep-cp-1', 'scheduler', 'v1.32.4', 'v1.33.1'],
      ['ep-worker-1', 'kubelet', 'v1.32.4', 'v1.33.1'],
    ]);
    const mirror = await rawRequest(
      `https://${lbIp}:${h.kube.port}/api/v1/namespaces/kube-system/pods/kube-apiserver-ep-cp-1`,
      {
        ca: c.pki.k8s.crt,
        client: admin,
      },
    );
    expect(mirror.body.spec.containers[0].image).toBe('registry.k8s.io/kube-apiserver:v1.33.1');
  });
});

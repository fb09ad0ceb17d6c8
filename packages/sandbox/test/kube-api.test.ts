/**
 * The simulated Kubernetes API against the real kubectl: TLS with the cluster CA and client
 * certificates, discovery (aggregated and legacy), /version, Nodes from Talos nodes, pods, Tables.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, kubeClientCert, machineConfig } from './kube-pki.js';
import {
  createServerWithConfig,
  kubectlFor,
  rawRequest,
  startKubeHarness,
  waitFor,
  readyNodes,
  type KubeHarness,
  type Kubectl,
  type TestCluster,
  createCluster,
} from './kube-helpers.js';

describe('Kubernetes API in the sandbox', () => {
  let h: KubeHarness;
  let c: TestCluster;
  let k: Kubectl;
  let cpIp: string;

  beforeAll(async () => {
    // kubectl must exist: without it these tests fail instead of skipping.
    execFileSync('kubectl', ['version', '--client'], { stdio: 'pipe' });
    h = await startKubeHarness();
    c = await createCluster(h, 'api', 1, 2);
    cpIp = c.servers.get('api-cp-1')!.ip;
    k = await kubectlFor(h, c.pki, cpIp);
  });
  afterAll(async () => h?.close());

  it('lists every node Ready with roles, versions, Talos OS image and addresses', async () => {
    const r = await k.run(['get', 'nodes', '-o', 'wide']);
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s+INTERNAL-IP\s+EXTERNAL-IP\s+OS-IMAGE/);
    expect(rows).toHaveLength(4);
    expect(rows[1]).toMatch(
      new RegExp(
        `^api-cp-1\\s+Ready\\s+control-plane\\s+\\S+\\s+v1\\.32\\.4\\s+${cpIp.replace(/\./g, '\\.')}`,
      ),
    );
    for (const w of ['api-worker-1', 'api-worker-2']) {
      expect(r.stdout).toMatch(
        new RegExp(`${w}\\s+Ready\\s+<none>\\s+\\S+\\s+v1\\.32\\.4\\s.*Talos \\(v1\\.13\\.9\\)`),
      );
    }
  });

  it('gives nodes the labels and taints Talos sets', async () => {
    const r = await k.run(['get', 'node', 'api-cp-1', '-o', 'json']);
    const node = JSON.parse(r.stdout);
    expect(node.metadata.labels).toMatchObject({
      'kubernetes.io/hostname': 'api-cp-1',
      'kubernetes.io/os': 'linux',
      'kubernetes.io/arch': 'amd64',
      'node-role.kubernetes.io/control-plane': '',
    });
    expect(node.spec.taints).toEqual([
      { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' },
    ]);
    expect(node.status.nodeInfo).toMatchObject({ kubeletVersion: 'v1.32.4', osImage: 'Talos (v1.13.9)' });
    expect(node.status.addresses).toContainEqual({ type: 'Hostname', address: 'api-cp-1' });
  });

  it('registers a node with machine.nodeLabels and nodeTaints from its config', async () => {
    const config = machineConfig(c.pki, {
      type: 'worker',
      clusterId: c.id,
      clusterName: c.name,
      endpoint: 'https://10.0.1.100:6443',
      kubernetesVersion: 'v1.32.4',
      nodeLabels: { 'pool.hk8s.dev/name': 'gpu' },
      nodeTaints: { 'hk8s.dev/dedicated': 'gpu:NoSchedule' },
    });
    await createServerWithConfig(h, 'api-gpu-1', config);
    await waitFor('gpu node Ready', () => readyNodes(h, c.id) === 4);
    const node = JSON.parse((await k.run(['get', 'node', 'api-gpu-1', '-o', 'json'])).stdout);
    expect(node.metadata.labels['pool.hk8s.dev/name']).toBe('gpu');
    expect(node.spec.taints).toEqual([{ key: 'hk8s.dev/dedicated', value: 'gpu', effect: 'NoSchedule' }]);
    expect(JSON.parse(node.metadata.annotations['talos.dev/owned-labels'])).toEqual(['pool.hk8s.dev/name']);
    const pods = JSON.parse(
      (await k.run(['get', 'pods', '-A', '--field-selector', 'spec.nodeName=api-gpu-1', '-o', 'json']))
        .stdout,
    );
    // Only the DaemonSets (tolerating everything) run there; CoreDNS does not tolerate the taint.
    expect(pods.items.map((p: { metadata: { name: string } }) => p.metadata.name).sort()).toEqual([
      expect.stringMatching(/^cilium-/),
      expect.stringMatching(/^kube-proxy-/),
    ]);
  });

  it('lists system pods with owners: mirror pods, CoreDNS, kube-proxy', async () => {
    await waitFor('pods running', async () => {
      const out = (await k.run(['get', 'pods', '-A', '--no-headers'])).stdout;
      return out
        .trim()
        .split('\n')
        .every((l) => /\sRunning\s/.test(l));
    });
    const r = await k.run(['get', 'pods', '-A']);
    expect(r.stdout.split('\n')[0]).toMatch(/^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/);
    const lines = r.stdout.trim().split('\n').slice(1);
    expect(lines.filter((l) => /^kube-system\s+coredns-/.test(l))).toHaveLength(2);
    expect(lines.filter((l) => /^kube-system\s+kube-proxy-/.test(l))).toHaveLength(4);
    for (const component of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) {
      expect(r.stdout).toMatch(new RegExp(`kube-system\\s+${component}-api-cp-1\\s+1/1\\s+Running`));
    }
    const mirror = JSON.parse(
      (await k.run(['get', 'pod', '-n', 'kube-system', 'kube-apiserver-api-cp-1', '-o', 'json'])).stdout,
    );
    expect(mirror.metadata.annotations['kubernetes.io/config.mirror']).toBeTruthy();
    expect(mirror.metadata.ownerReferences[0]).toMatchObject({
      kind: 'Node',
      name: 'api-cp-1',
      controller: true,
    });
    const dns = JSON.parse(
      (await k.run(['get', 'pods', '-n', 'kube-system', '-l', 'k8s-app=kube-dns', '-o', 'json'])).stdout,
    );
    expect(dns.items).toHaveLength(2);
    expect(dns.items[0].metadata.ownerReferences[0]).toMatchObject({ kind: 'ReplicaSet', controller: true });
  });

  it('prints the upstream columns for deployments, daemonsets, namespaces and services', async () => {
    const r = await k.run(['get', 'deploy,ds,svc', '-n', 'kube-system']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\ndeployment\.apps\/coredns\s+2\/2\s+2\s+2\s/,
    );
    expect(r.stdout).toMatch(
      /NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE\ndaemonset\.apps\/cilium\s+4\s+4\s+4\s+4\s+4\s+<none>.*\ndaemonset\.apps\/kube-proxy\s+4\s+4\s+4\s+4\s+4\s+<none>/,
    );
    expect(r.stdout).toMatch(/service\/kube-dns\s+ClusterIP\s+10\.96\.0\.10\s+<none>\s+53\/UDP,53\/TCP/);
    const ns = await k.run(['get', 'ns']);
    expect(ns.stdout).toMatch(/NAME\s+STATUS\s+AGE\ndefault\s+Active/);
    expect(ns.stdout.trim().split('\n')).toHaveLength(5);
  });

  it('answers /version with the API server image version', async () => {
    const r = await k.run(['version', '-o', 'json']);
    expect(JSON.parse(r.stdout).serverVersion).toMatchObject({
      major: '1',
      minor: '32',
      gitVersion: 'v1.32.4',
    });
  });

  it('serves aggregated discovery when asked and legacy lists otherwise', async () => {
    const admin = await kubeClientCert(c.pki.k8s, 'admin', ['system:masters']);
    const base = `https://${cpIp}:${h.kube.port}`;
    const aggregated = await rawRequest(`${base}/apis`, {
      ca: c.pki.k8s.crt,
      client: admin,
      headers: {
        Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json',
      },
    });
    expect(aggregated.headers['content-type']).toBe(
      'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
    );
    const apps = aggregated.body.items.find(
      (g: { metadata: { name: string } }) => g.metadata.name === 'apps',
    );
    expect(apps.versions[0].resources.map((r: { resource: string }) => r.resource)).toContain('deployments');
    const legacy = await rawRequest(`${base}/api/v1`, { ca: c.pki.k8s.crt, client: admin });
    expect(legacy.headers['content-type']).toBe('application/json');
    const names = legacy.body.resources.map((r: { name: string }) => r.name);
    expect(names.indexOf('pods')).toBeLessThan(names.indexOf('pods/eviction'));
    expect(legacy.body.resources.find((r: { name: string }) => r.name === 'pods/eviction')).toMatchObject({
      group: 'policy',
      version: 'v1',
      kind: 'Eviction',
    });
    const groups = await rawRequest(`${base}/apis`, { ca: c.pki.k8s.crt, client: admin });
    expect(groups.body.kind).toBe('APIGroupList');
  });

  it('authenticates client certificates against the cluster CA', async () => {
    const base = `https://${cpIp}:${h.kube.port}`;
    const anonymous = await rawRequest(`${base}/api/v1/nodes`, { ca: c.pki.k8s.crt });
    expect(anonymous.status).toBe(403);
    expect(anonymous.body).toMatchObject({ kind: 'Status', reason: 'Forbidden' });
    expect(anonymous.body.message).toContain('system:anonymous');
    expect((await rawRequest(`${base}/version`, { ca: c.pki.k8s.crt })).status).toBe(200);
    const otherCa = (await createTestPki()).k8s;
    const foreign = await rawRequest(`${base}/api/v1/nodes`, {
      ca: c.pki.k8s.crt,
      client: await kubeClientCert(otherCa, 'admin', ['system:masters']),
    });
    expect(foreign.status).toBe(401);
    expect(foreign.body).toMatchObject({ reason: 'Unauthorized', code: 401 });
    const viewer = await rawRequest(`${base}/api/v1/nodes`, {
      ca: c.pki.k8s.crt,
      client: await kubeClientCert(c.pki.k8s, 'jane', ['dev']),
    });
    expect(viewer.status).toBe(403);
    expect(viewer.body.message).toContain('"jane"');
    const ok = await rawRequest(`${base}/api/v1/nodes?labelSelector=node-role.kubernetes.io/control-plane`, {
      ca: c.pki.k8s.crt,
      client: await kubeClientCert(c.pki.k8s, 'admin', ['system:masters']),
    });
    expect(ok.status).toBe(200);
    expect(ok.body.items.map((n: { metadata: { name: string } }) => n.metadata.name)).toEqual(['api-cp-1']);
  });

  it('answers errors as Status objects', async () => {
    const missing = await k.run(['get', 'node', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Error from server (NotFound): nodes "nope" not found');
    const badField = await k.run(['get', 'pods', '-A', '--field-selector', 'spec.bogus=1']);
    expect(badField.stderr).toContain('field label not supported: spec.bogus');
  });
});

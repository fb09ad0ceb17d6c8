/**
 * Cordon, drain through the Eviction API with PodDisruptionBudgets, node deletion and
 * re-registration, against the real kubectl; and the record of unavailable nodes.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeClientCert, type PemPair } from './kube-pki.js';
import {
  control,
  createCluster,
  kubectlFor,
  rawRequest,
  startKubeHarness,
  waitFor,
  type KubeHarness,
  type Kubectl,
  type TestCluster,
} from './kube-helpers.js';
import type { Json } from './helpers.js';

const DEPLOYMENT = (replicas: number) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [{ name: 'nginx', image: 'nginx:1.27' }],
        volumes: [{ name: 'cache', emptyDir: {} }],
      },
    },
  },
});

describe('drain in the sandbox', () => {
  let h: KubeHarness;
  let c: TestCluster;
  let k: Kubectl;
  let admin: PemPair;
  let base: string;

  const pods = async (selector: string): Promise<Json[]> =>
    JSON.parse((await k.run(['get', 'pods', '-A', '-l', selector, '-o', 'json'])).stdout).items;
  const podsOn = async (node: string): Promise<Json[]> =>
    JSON.parse(
      (await k.run(['get', 'pods', '-A', '--field-selector', `spec.nodeName=${node}`, '-o', 'json'])).stdout,
    ).items;
  const apply = async (name: string, obj: unknown) => {
    const file = join(h.dir, `${name}.json`);
    writeFileSync(file, JSON.stringify(obj));
    const r = await k.run(['apply', '--server-side', '-f', file]);
    expect(r.code, r.stderr).toBe(0);
  };
  const webReady = async (n: number) =>
    waitFor(`${n} web pods ready`, async () => {
      const items = await pods('app=web');
      return (
        items.length === n &&
        items.every(
          (p) =>
            !p.metadata.deletionTimestamp &&
            p.status.conditions?.some((x: Json) => x.type === 'Ready' && x.status === 'True'),
        )
      );
    });

  beforeAll(async () => {
    h = await startKubeHarness();
    c = await createCluster(h, 'drain', 1, 3);
    const ip = c.servers.get('drain-cp-1')!.ip;
    k = await kubectlFor(h, c.pki, ip);
    admin = await kubeClientCert(c.pki.k8s, 'admin', ['system:masters']);
    base = `https://${ip}:${h.kube.port}`;
    await apply('web', DEPLOYMENT(3));
    await webReady(3);
    await control(h, 'POST', 'kube/reset');
  });
  afterAll(async () => h?.close());

  it('spreads the Deployment over the schedulable workers', async () => {
    const nodes = new Set((await pods('app=web')).map((p) => p.spec.nodeName));
    expect(nodes).toEqual(new Set(['drain-worker-1', 'drain-worker-2', 'drain-worker-3']));
  });

  it('cordons and uncordons a node', async () => {
    const cordon = await k.run(['cordon', 'drain-worker-3']);
    expect(cordon.stdout.trim()).toBe('node/drain-worker-3 cordoned');
    const get = await k.run(['get', 'node', 'drain-worker-3']);
    expect(get.stdout).toMatch(/drain-worker-3\s+Ready,SchedulingDisabled/);
    const node = JSON.parse((await k.run(['get', 'node', 'drain-worker-3', '-o', 'json'])).stdout);
    expect(node.spec.unschedulable).toBe(true);
    expect(node.spec.taints).toContainEqual(
      expect.objectContaining({ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }),
    );
    expect((await k.run(['cordon', 'drain-worker-3'])).stdout.trim()).toBe(
      'node/drain-worker-3 already cordoned',
    );
    expect((await k.run(['uncordon', 'drain-worker-3'])).stdout.trim()).toBe(
      'node/drain-worker-3 uncordoned',
    );
    const after = JSON.parse((await k.run(['get', 'node', 'drain-worker-3', '-o', 'json'])).stdout);
    expect(after.spec.unschedulable).toBeUndefined();
  });

  it('drains a worker: evicted Deployment pods run elsewhere, DaemonSet and mirror pods stay', async () => {
    const before = (await podsOn('drain-worker-1')).filter((p) => p.metadata.labels.app === 'web');
    expect(before.length).toBeGreaterThan(0);
    const r = await k.run([
      'drain',
      'drain-worker-1',
      '--ignore-daemonsets',
      '--delete-emptydir-data',
      '--timeout=30s',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('node/drain-worker-1 cordoned');
    for (const p of before) expect(r.stdout).toContain(`pod/${p.metadata.name} evicted`);
    expect(r.stdout).toContain('node/drain-worker-1 drained');
    expect(r.stderr).toMatch(
      /ignoring DaemonSet-managed Pods: kube-system\/cilium-\w+, kube-system\/kube-proxy-/,
    );
    await webReady(3);
    const web = await pods('app=web');
    expect(web.map((p) => p.spec.nodeName)).not.toContain('drain-worker-1');
    const left = await podsOn('drain-worker-1');
    expect(left.map((p) => p.metadata.name).sort()).toEqual([
      expect.stringMatching(/^cilium-/),
      expect.stringMatching(/^kube-proxy-/),
    ]);
    expect((await k.run(['uncordon', 'drain-worker-1'])).code).toBe(0);
  });

  it('refuses an eviction a budget forbids with 429 naming the budget; drain times out', async () => {
    await apply('pdb', {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'web-pdb', namespace: 'default' },
      spec: { minAvailable: 3, selector: { matchLabels: { app: 'web' } } },
    });
    await waitFor('budget status', async () => {
      const pdb = JSON.parse((await k.run(['get', 'pdb', 'web-pdb', '-o', 'json'])).stdout);
      return pdb.status?.observedGeneration === 1 && pdb.status.currentHealthy === 3;
    });
    const table = await k.run(['get', 'pdb']);
    expect(table.stdout).toMatch(
      /NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE\nweb-pdb\s+3\s+N\/A\s+0\s/,
    );
    const victim = (await pods('app=web'))[0];
    const eviction = await rawRequest(
      `${base}/api/v1/namespaces/default/pods/${victim.metadata.name}/eviction`,
      {
        ca: c.pki.k8s.crt,
        client: admin,
        method: 'POST',
        body: {
          apiVersion: 'policy/v1',
          kind: 'Eviction',
          metadata: { name: victim.metadata.name, namespace: 'default' },
        },
      },
    );
    expect(eviction.status).toBe(429);
    expect(eviction.headers['retry-after']).toBeUndefined();
    expect(eviction.body).toMatchObject({
      reason: 'TooManyRequests',
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      details: {
        causes: [
          {
            reason: 'DisruptionBudget',
            message: 'The disruption budget web-pdb needs 3 healthy pods and has 3 currently',
          },
        ],
      },
    });
    const node = victim.spec.nodeName;
    const drain = await k.run(
      ['drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=5s'],
      40_000,
    );
    expect(drain.code).toBe(1);
    expect(drain.stderr).toContain("Cannot evict pod as it would violate the pod's disruption budget.");
    expect(drain.stderr).toContain('global timeout reached: 5s');
    expect((await pods('app=web')).filter((p) => !p.metadata.deletionTimestamp)).toHaveLength(3);
    await k.run(['uncordon', node]);
  });

  it('answers 500 for a pod under two budgets and 404 for a missing pod', async () => {
    await apply('pdb2', {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'web-pdb-2', namespace: 'default' },
      spec: { maxUnavailable: '50%', selector: { matchLabels: { app: 'web' } } },
    });
    const victim = (await pods('app=web'))[0];
    const post = (name: string) =>
      rawRequest(`${base}/api/v1/namespaces/default/pods/${name}/eviction`, {
        ca: c.pki.k8s.crt,
        client: admin,
        method: 'POST',
        body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' } },
      });
    const two = await post(victim.metadata.name);
    expect(two.status).toBe(500);
    expect(two.body.message).toBe(
      'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
    );
    const missing = await post('nope');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({
      reason: 'NotFound',
      message: 'pods "nope" not found',
      details: { name: 'nope', kind: 'pods' },
    });
    expect((await k.run(['delete', 'pdb', 'web-pdb', 'web-pdb-2'])).code).toBe(0);
  });

  it('deletes a Node; its running kubelet registers it again later', async () => {
    const before = JSON.parse((await k.run(['get', 'node', 'drain-worker-2', '-o', 'json'])).stdout);
    const r = await k.run(['delete', 'node', 'drain-worker-2']);
    expect(r.stdout.trim()).toBe('node "drain-worker-2" deleted');
    await waitFor(
      'node registered again',
      async () => (await k.run(['get', 'node', 'drain-worker-2'])).code === 0,
    );
    const after = JSON.parse((await k.run(['get', 'node', 'drain-worker-2', '-o', 'json'])).stdout);
    expect(after.metadata.uid).not.toBe(before.metadata.uid);
    await webReady(3);
  });

  it('records the most nodes unavailable at once', async () => {
    const stats = await control(h, 'GET', 'kube');
    const cluster = stats.clusters.find((x: Json) => x.name === 'drain');
    expect(stats.port).toBe(h.kube.port);
    // Cordons were one node at a time; nothing went NotReady.
    expect(cluster.maxUnavailable).toEqual({ notReadyOrUnschedulable: 1, notReady: 0 });
    expect(cluster.nodes.total).toBe(4);
    expect(cluster.endpoints).toEqual([c.servers.get('drain-cp-1')!.ip]);
  });

  it('records the fewest schedulable workers at once since a reset', async () => {
    const fewest = async () =>
      (await control(h, 'GET', 'kube')).clusters.find((x: Json) => x.name === 'drain').minAvailable
        .schedulableWorkers as number;
    await control(h, 'POST', 'kube/reset');
    expect(await fewest()).toBe(3);
    expect((await k.run(['cordon', 'drain-worker-1'])).code).toBe(0);
    await waitFor('the cordon seen', async () => (await fewest()) === 2);
    expect((await k.run(['uncordon', 'drain-worker-1'])).code).toBe(0);
    // The control plane is never counted; the low point stays until the next reset.
    expect(await fewest()).toBe(2);
    await control(h, 'POST', 'kube/reset');
    expect(await fewest()).toBe(3);
  });
});

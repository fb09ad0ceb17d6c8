/**
 * Nodes are NotReady until a CNI runs, as on real Kubernetes: the kubelet reports containerd's
 * "cni plugin not initialized", only host-network pods start, and pods that do not tolerate the
 * not-ready taint wait. hk8s's installer Job for the `cilium` release completing leaves Cilium's
 * agent DaemonSet behind, which makes every node Ready; uninstalling it makes them NotReady again.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Json } from './helpers.js';
import {
  createCluster,
  kubectlFor,
  readyNodes,
  startKubeHarness,
  waitFor,
  type KubeHarness,
  type Kubectl,
  type TestCluster,
} from './kube-helpers.js';

const EARLY = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'early', namespace: 'kube-system' },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'early' } },
    template: {
      metadata: { labels: { app: 'early' } },
      spec: {
        hostNetwork: true,
        tolerations: [
          { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' },
          { key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' },
        ],
        containers: [{ name: 'early', image: 'registry.k8s.io/pause:3.10' }],
      },
    },
  },
};

const INSTALLER = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'hk8s-install-cilium', namespace: 'kube-system' },
  spec: {
    template: {
      spec: {
        restartPolicy: 'OnFailure',
        hostNetwork: true,
        containers: [
          {
            name: 'helm',
            image: 'rancher/klipper-helm',
            env: [
              { name: 'NAME', value: 'cilium' },
              { name: 'TARGET_NAMESPACE', value: 'kube-system' },
            ],
          },
        ],
      },
    },
  },
};

describe('nodes without and with a CNI', () => {
  let h: KubeHarness;
  let c: TestCluster;
  let k: Kubectl;

  const json = async (...args: string[]): Promise<Json> => {
    const r = await k.run([...args, '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout);
  };
  const apply = async (name: string, obj: unknown) => {
    const file = join(h.dir, `${name}.json`);
    writeFileSync(file, JSON.stringify(obj));
    const r = await k.run(['apply', '--server-side', '-f', file]);
    expect(r.code, r.stderr).toBe(0);
  };
  const podsOf = async (selector: string): Promise<Json[]> =>
    (await json('get', 'pods', '-n', 'kube-system', '-l', selector)).items;

  beforeAll(async () => {
    h = await startKubeHarness();
    c = await createCluster(h, 'cni', 1, 1, 'v1.32.4', { cni: false });
    k = await kubectlFor(h, c.pki, c.servers.get('cni-cp-1')!.ip);
    await waitFor(
      'both nodes registered',
      async () => (await k.run(['get', 'node', 'cni-worker-1'])).code === 0,
    );
  });
  afterAll(async () => h?.close());

  it('registers every node NotReady: the container runtime network is not ready', async () => {
    const nodes = (await json('get', 'nodes')).items;
    expect(nodes).toHaveLength(2);
    for (const node of nodes) {
      const ready = node.status.conditions.find((x: Json) => x.type === 'Ready');
      expect(ready).toMatchObject({ status: 'False', reason: 'KubeletNotReady' });
      expect(ready.message).toMatch(/^container runtime network not ready: NetworkReady=false/);
      expect(ready.message).toMatch(/cni plugin not initialized$/);
      expect(node.spec.taints).toContainEqual(
        expect.objectContaining({ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }),
      );
    }
    expect(readyNodes(h, c.id)).toBe(0);
    const table = (await k.run(['get', 'nodes', '--no-headers'])).stdout.trim().split('\n');
    for (const row of table) expect(row).toMatch(/^\S+\s+NotReady\s/);
  });

  it('starts only host-network pods that tolerate not-ready; CoreDNS waits', async () => {
    await apply('early', EARLY);
    await waitFor('the early pod Ready', async () =>
      (await podsOf('app=early')).some((p) =>
        p.status?.conditions?.some((x: Json) => x.type === 'Ready' && x.status === 'True'),
      ),
    );
    const dns = await podsOf('k8s-app=kube-dns');
    expect(dns).toHaveLength(2);
    for (const pod of dns) {
      expect(pod.status.phase).toBe('Pending');
      expect(pod.spec.nodeName).toBeUndefined();
    }
  });

  it("makes every node Ready once the cilium release's installer Job completed", async () => {
    await apply('installer', INSTALLER);
    await waitFor('every node Ready', () => readyNodes(h, c.id) === 2, 30_000);
    const ds = await json('get', 'daemonset', '-n', 'kube-system', 'cilium');
    expect(ds.metadata.labels).toMatchObject({
      'k8s-app': 'cilium',
      'app.kubernetes.io/name': 'cilium-agent',
    });
    const agents = await podsOf('k8s-app=cilium');
    expect(agents.map((p) => p.spec.nodeName).sort()).toEqual(['cni-cp-1', 'cni-worker-1']);
    await waitFor('CoreDNS running', async () =>
      (await podsOf('k8s-app=kube-dns')).every((p) => p.status?.phase === 'Running'),
    );
  });

  it('makes the nodes NotReady again when the release is uninstalled', async () => {
    const r = await k.run(['delete', 'job', '-n', 'kube-system', 'hk8s-install-cilium']);
    expect(r.code, r.stderr).toBe(0);
    await waitFor('no node Ready', () => readyNodes(h, c.id) === 0, 30_000);
    expect((await k.run(['get', 'daemonset', '-n', 'kube-system', 'cilium'])).code).not.toBe(0);
  });
});

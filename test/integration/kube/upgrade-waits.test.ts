/**
 * The Kubernetes side of an upgrade step with the real client (client-node) against the sandbox's
 * Kubernetes: plan-time observation reads what each node runs, a step's wait ends once that node's
 * pod (or kubelet) runs the new version and is Ready, and a wait that cannot end fails naming the
 * node and the component.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCluster,
  kubectlFor,
  startKubeHarness,
  talosCall,
  type KubeHarness,
  type TestCluster,
} from '../../../packages/sandbox/test/kube-helpers.js';
import { machineConfig } from '../../../packages/sandbox/test/kube-pki.js';
import { Hk8sError } from '../../../src/errors.js';
import {
  waitForControlPlanePod,
  waitForKubelet,
  type KubeUpgradeTiming,
} from '../../../src/execute/talos/kube-upgrade-waits.js';
import { observeKubernetes } from '../../../src/observe/kube.js';
import { createKubeClient, type KubeClient } from '../../../src/providers/kube/index.js';

const OLD = 'v1.35.4';
const NEW = 'v1.36.3';
const TIMING: KubeUpgradeTiming = {
  componentTimeoutMs: 10_000,
  kubeletTimeoutMs: 10_000,
  rolloutTimeoutMs: 10_000,
  pollMs: 20,
};
const NODES = [
  { server: 'server.cp.1', hostname: 'iu-cp-1', role: 'controlplane' as const },
  { server: 'server.cp.2', hostname: 'iu-cp-2', role: 'controlplane' as const },
  { server: 'server.w.1', hostname: 'iu-worker-1', role: 'worker' as const },
];

describe('Kubernetes upgrade waits against the sandbox', () => {
  let h: KubeHarness;
  let c: TestCluster;
  let kube: KubeClient;
  const progress: string[] = [];
  const wait = (where: string) => ({
    where,
    signal: new AbortController().signal,
    progress: (m: string) => progress.push(m),
  });

  const push = async (server: string, type: 'controlplane' | 'worker', version: string, images = {}) => {
    const config = machineConfig(c.pki, {
      type,
      clusterId: c.id,
      clusterName: c.name,
      endpoint: 'https://10.0.1.100:6443',
      kubernetesVersion: version,
      images,
    });
    const ip = c.servers.get(server)?.ip ?? '';
    await talosCall(h, c.pki, ip, 'ApplyConfiguration', { data: Buffer.from(config), mode: 'NO_REBOOT' });
  };

  beforeAll(async () => {
    h = await startKubeHarness();
    c = await createCluster(h, 'iu', 2, 1, OLD);
    const kubectl = await kubectlFor(h, c.pki, c.servers.get('iu-cp-1')?.ip ?? '');
    kube = await createKubeClient(readFileSync(kubectl.file, 'utf8'), { retryAttempts: 2 });
  }, 120_000);
  afterAll(async () => h?.close());

  it('observes every node at the version it was created with', async () => {
    await waitForControlPlanePod(
      kube,
      TIMING,
      { component: 'kube-scheduler', nodeName: 'iu-cp-2', nodeIps: [], version: OLD },
      wait('setup'),
    );
    const seen = await observeKubernetes(kube, NODES);
    expect(seen.reachable).toBe(true);
    if (!seen.reachable) return;
    expect(seen.nodes['server.cp.1']).toEqual({
      kubelet: { version: OLD, ready: true },
      pods: {
        'kube-apiserver': { version: OLD, ready: true },
        'kube-controller-manager': { version: OLD, ready: true },
        'kube-scheduler': { version: OLD, ready: true },
      },
    });
    expect(seen.nodes['server.w.1']).toEqual({ kubelet: { version: OLD, ready: true }, pods: {} });
    expect(seen.proxyPods).toEqual([OLD, OLD, OLD]);
  });

  it("a control-plane step's wait ends when that node's pod runs the new image and is Ready", async () => {
    await push('iu-cp-1', 'controlplane', OLD, { apiServer: `registry.k8s.io/kube-apiserver:${NEW}` });
    await waitForControlPlanePod(
      kube,
      TIMING,
      { component: 'kube-apiserver', nodeName: 'iu-cp-1', nodeIps: [], version: NEW },
      wait('kubernetes.cp.1.kube-apiserver'),
    );
    const seen = await observeKubernetes(kube, NODES);
    expect(seen.reachable && seen.nodes['server.cp.1']?.pods['kube-apiserver']).toEqual({
      version: NEW,
      ready: true,
    });
    expect(seen.reachable && seen.nodes['server.cp.2']?.pods['kube-apiserver']?.version).toBe(OLD);
  });

  it('a wait that cannot end fails naming the node and the component', async () => {
    const error = await waitForControlPlanePod(
      kube,
      { ...TIMING, componentTimeoutMs: 300 },
      { component: 'kube-apiserver', nodeName: 'iu-cp-2', nodeIps: [], version: NEW },
      wait('kubernetes.cp.2.kube-apiserver@v1.36.3'),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Hk8sError);
    const failure = error as Hk8sError;
    expect(failure.message).toBe(
      `kube-apiserver on iu-cp-2 did not run ${NEW} and become Ready within 300 ms`,
    );
    expect(failure.where).toBe('kubernetes.cp.2.kube-apiserver@v1.36.3');
    expect(failure.hint).toContain(`kube-apiserver-iu-cp-2 runs ${OLD}, Ready`);
  });

  it("a kubelet step's wait ends when the Node reports the new version and is Ready", async () => {
    await push('iu-worker-1', 'worker', NEW);
    await waitForKubelet(kube, TIMING, 'iu-worker-1', NEW, wait('kubernetes.w.1.kubelet'));
    const seen = await observeKubernetes(kube, NODES);
    expect(seen.reachable && seen.nodes['server.w.1']?.kubelet).toEqual({ version: NEW, ready: true });
  });
});

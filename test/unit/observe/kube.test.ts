import { describe, expect, it } from 'vitest';
import { observeKubernetes, runningKubernetes, type KubeReader } from '../../../src/observe/kube.js';
import { KubeApiError } from '../../../src/providers/kube/index.js';
import type { NodeInfo, PodInfo } from '../../../src/providers/kube/index.js';

const node = (name: string, kubeletVersion: string, ready = true): NodeInfo => ({
  name,
  ready,
  unschedulable: false,
  taints: [],
  kubeletVersion,
  addresses: [],
  labels: {},
});

const pod = (app: string, nodeName: string, version: string, extra: Partial<PodInfo> = {}): PodInfo => ({
  namespace: 'kube-system',
  name: `${app}-${nodeName}`,
  nodeName,
  ready: true,
  terminating: false,
  labels: { 'k8s-app': app },
  images: { [app]: `registry.k8s.io/${app}:${version}` },
  annotations: {},
  ...extra,
});

const NODES = [
  { server: 'server.cp.1', hostname: 'c-cp-1', role: 'controlplane' as const },
  { server: 'server.w.1', hostname: 'c-w-1', role: 'worker' as const },
  { server: 'server.w.2', hostname: 'c-w-2', role: 'worker' as const },
];

function reader(nodes: NodeInfo[], pods: PodInfo[], calls: string[] = []): KubeReader {
  return {
    listNodes: async () => {
      calls.push('nodes');
      return nodes;
    },
    listPods: async (query) => {
      calls.push(`pods ${query?.namespace} ${query?.labelSelector}`);
      return pods;
    },
  };
}

describe('observeKubernetes', () => {
  it('reads kubelets and control-plane pods per node in two requests', async () => {
    const calls: string[] = [];
    const seen = await observeKubernetes(
      reader(
        [node('c-cp-1', 'v1.35.4'), node('c-w-1', 'v1.36.3', false)],
        [
          pod('kube-apiserver', 'c-cp-1', 'v1.36.3', { ready: false }),
          // The old pod being replaced does not count.
          pod('kube-apiserver', 'c-cp-1', 'v1.35.4', { name: 'old', terminating: true }),
          pod('kube-controller-manager', 'c-cp-1', 'v1.35.4'),
          pod('kube-proxy', 'c-w-1', 'v1.35.4'),
        ],
        calls,
      ),
      NODES,
    );
    expect(calls).toEqual([
      'nodes',
      'pods kube-system k8s-app in (kube-apiserver,kube-controller-manager,kube-scheduler,kube-proxy)',
    ]);
    expect(seen).toEqual({
      reachable: true,
      nodes: {
        'server.cp.1': {
          kubelet: { version: 'v1.35.4', ready: true },
          pods: {
            'kube-apiserver': { version: 'v1.36.3', ready: false },
            'kube-controller-manager': { version: 'v1.35.4', ready: true },
          },
        },
        'server.w.1': { kubelet: { version: 'v1.36.3', ready: false }, pods: {} },
      },
      proxyPods: ['v1.35.4'],
    });
  });

  it('reports an API it cannot read instead of failing the plan', async () => {
    const down: KubeReader = {
      listNodes: async () => {
        throw new KubeApiError('kube.unreachable', 'connect ECONNREFUSED 127.0.0.1:6443');
      },
      listPods: async () => [],
    };
    expect(await observeKubernetes(down, NODES)).toEqual({
      reachable: false,
      reason: 'connect ECONNREFUSED 127.0.0.1:6443',
    });
  });
});

describe('runningKubernetes', () => {
  const applied = {
    source: 'applied-config' as const,
    nodes: {
      'server.cp.1': {
        versions: {
          'kube-apiserver': 'v1.35.4',
          'kube-controller-manager': 'v1.35.4',
          'kube-scheduler': 'v1.35.4',
          'kube-proxy': 'v1.35.4',
          kubelet: 'v1.35.4',
        },
        notReady: [],
      },
      'server.w.2': { versions: { kubelet: 'v1.35.4' }, notReady: [] },
    },
  };

  it('takes what Kubernetes reports, and the recorded configs for the rest', () => {
    const merged = runningKubernetes(
      {
        reachable: true,
        nodes: {
          'server.cp.1': {
            kubelet: { version: 'v1.35.4', ready: true },
            pods: { 'kube-apiserver': { version: 'v1.36.3', ready: false } },
          },
        },
        proxyPods: ['v1.35.4'],
      },
      applied,
    );
    expect(merged).toEqual({
      source: 'kubernetes',
      nodes: {
        'server.cp.1': {
          versions: { ...applied.nodes['server.cp.1'].versions, 'kube-apiserver': 'v1.36.3' },
          notReady: ['kube-apiserver'],
        },
        // Not registered in Kubernetes: its recorded config speaks for it.
        'server.w.2': { versions: { kubelet: 'v1.35.4' }, notReady: [] },
      },
      proxyPods: ['v1.35.4'],
    });
  });

  it('is the recorded configs when the API could not be read', () => {
    expect(runningKubernetes({ reachable: false, reason: 'down' }, applied)).toBe(applied);
  });
});

/**
 * What each node runs for Kubernetes, read at plan time from the cluster's API: the Node's kubelet
 * version and readiness, and the image and readiness of the control-plane pods on each control
 * plane (`k8s-app=kube-apiserver|kube-controller-manager|kube-scheduler`, found by node), plus the
 * kube-proxy pods. Two list requests, however many nodes. When the API cannot be read, the caller
 * falls back to what the recorded configs say (`runningKubernetes`), and says so.
 */
import type { ClusterKubernetes, RunningKubernetes } from '../plan/talos/kubernetes-upgrade.js';
import type { TalosNode } from '../plan/talos/nodes.js';
import type { KubeClient, PodInfo } from '../providers/kube/index.js';
import {
  CONTROL_PLANE_PODS,
  imageVersion,
  type ControlPlanePod,
  type KubeComponent,
} from '../talos/config/index.js';

export interface ComponentSeen {
  version?: string;
  ready: boolean;
}

export interface NodeKubernetes {
  kubelet?: ComponentSeen;
  pods: Partial<Record<ControlPlanePod, ComponentSeen>>;
}

export type KubeObservation =
  | {
      reachable: true;
      /** By server address; a node not registered in Kubernetes is absent. */
      nodes: Record<string, NodeKubernetes>;
      /** The version of every kube-proxy pod. */
      proxyPods: string[];
    }
  | { reachable: false; reason: string };

export type KubeReader = Pick<KubeClient, 'listNodes' | 'listPods'>;

const SELECTOR = `k8s-app in (${[...CONTROL_PLANE_PODS, 'kube-proxy'].join(',')})`;

function seen(pod: PodInfo, container: string): ComponentSeen {
  const image = pod.images[container] ?? Object.values(pod.images)[0];
  const version = image ? imageVersion(image) : undefined;
  return { ...(version ? { version } : {}), ready: pod.ready };
}

/** Of several pods of one component on a node (one replacing another), the Ready one counts. */
function pick(pods: readonly PodInfo[]): PodInfo | undefined {
  const live = pods.filter((p) => !p.terminating);
  return live.find((p) => p.ready) ?? live[0];
}

export async function observeKubernetes(
  kube: KubeReader,
  nodes: readonly Pick<TalosNode, 'server' | 'hostname' | 'role'>[],
  signal?: AbortSignal,
): Promise<KubeObservation> {
  const call = signal ? { signal } : {};
  let listed: [Awaited<ReturnType<KubeReader['listNodes']>>, PodInfo[]];
  try {
    listed = await Promise.all([
      kube.listNodes({}, call),
      kube.listPods({ namespace: 'kube-system', labelSelector: SELECTOR }, call),
    ]);
  } catch (error) {
    return { reachable: false, reason: error instanceof Error ? error.message : String(error) };
  }
  const [registered, pods] = listed;
  const byName = new Map(registered.map((n) => [n.name, n]));
  const result: Record<string, NodeKubernetes> = {};
  for (const node of nodes) {
    const info = byName.get(node.hostname);
    if (!info) continue;
    const entry: NodeKubernetes = {
      kubelet: { ...(info.kubeletVersion ? { version: info.kubeletVersion } : {}), ready: info.ready },
      pods: {},
    };
    if (node.role === 'controlplane') {
      for (const component of CONTROL_PLANE_PODS) {
        const own = pods.filter((p) => p.labels['k8s-app'] === component && p.nodeName === node.hostname);
        const chosen = pick(own);
        if (chosen) entry.pods[component] = seen(chosen, component);
      }
    }
    result[node.server] = entry;
  }
  const proxyPods = pods
    .filter((p) => p.labels['k8s-app'] === 'kube-proxy' && !p.terminating)
    .flatMap((p) => seen(p, 'kube-proxy').version ?? []);
  return { reachable: true, nodes: result, proxyPods: proxyPods.sort() };
}

/**
 * The planner's view: what Kubernetes reports where it reports it, the recorded configs elsewhere
 * (kube-proxy's per-node image is only in the configs: its pods follow the DaemonSet).
 */
export function runningKubernetes(observed: KubeObservation, applied: ClusterKubernetes): ClusterKubernetes {
  if (!observed.reachable) return applied;
  const nodes: Record<string, RunningKubernetes> = {};
  const servers = new Set([...Object.keys(applied.nodes), ...Object.keys(observed.nodes)]);
  for (const server of [...servers].sort()) {
    const fromConfig = applied.nodes[server]?.versions ?? {};
    const seenNode = observed.nodes[server];
    const versions = { ...fromConfig };
    const notReady: KubeComponent[] = [];
    const take = (component: KubeComponent, what: ComponentSeen | undefined) => {
      if (!what?.version) return;
      versions[component] = what.version;
      if (!what.ready) notReady.push(component);
    };
    for (const component of CONTROL_PLANE_PODS) take(component, seenNode?.pods[component]);
    take('kubelet', seenNode?.kubelet);
    nodes[server] = { versions, notReady };
  }
  return { source: 'kubernetes', nodes, proxyPods: observed.proxyPods };
}

/**
 * How the sandbox tells that a CNI runs on a node: a Running pod on it, made by a DaemonSet, that
 * carries a known CNI agent's labels (Cilium's agent, as its chart labels it; Calico's and
 * Flannel's too, so a cluster with another CNI works the same). Until then the node's kubelet
 * posts NotReady with containerd's "cni plugin not initialized".
 */
import { asObject, type KubeObject } from './types.js';

/** Pod labels (key → value) that mark a CNI agent; any one of them is enough. */
export const CNI_AGENT_LABELS: ReadonlyArray<readonly [string, string]> = [
  ['k8s-app', 'cilium'],
  ['app.kubernetes.io/name', 'cilium-agent'],
  ['k8s-app', 'calico-node'],
  ['app', 'flannel'],
];

export function isCniAgent(pod: KubeObject): boolean {
  const labels = pod.metadata.labels ?? {};
  const daemon = pod.metadata.ownerReferences?.some((o) => o.kind === 'DaemonSet' && o.controller === true);
  return daemon === true && CNI_AGENT_LABELS.some(([key, value]) => labels[key] === value);
}

/** Names of the nodes a CNI agent runs on. */
export function nodesWithCni(pods: readonly KubeObject[]): Set<string> {
  const nodes = new Set<string>();
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp || !isCniAgent(pod)) continue;
    if (asObject(pod['status'])['phase'] !== 'Running') continue;
    const node = asObject(pod['spec'])['nodeName'];
    if (typeof node === 'string' && node !== '') nodes.add(node);
  }
  return nodes;
}

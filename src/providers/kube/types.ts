/** What the Kubernetes operations return and report: plain data derived from API objects. */
import type { NodeAddress, Taint } from './api.js';

export interface ReadyCondition {
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

export interface NodeInfo {
  name: string;
  uid?: string;
  /** Ready condition is `True`. */
  ready: boolean;
  /** The Ready condition as the kubelet (or the node lifecycle controller) reported it; absent before the first status. */
  readyCondition?: ReadyCondition;
  unschedulable: boolean;
  taints: Taint[];
  /** `hcloud://<server id>` once the cloud controller manager has initialized the node. */
  providerID?: string;
  kubeletVersion?: string;
  /** `Talos (v1.13.9)` on Talos nodes. */
  osImage?: string;
  addresses: NodeAddress[];
  labels: Record<string, string>;
}

export interface PodRef {
  namespace: string;
  name: string;
  uid?: string;
}

export interface PodInfo {
  namespace: string;
  name: string;
  uid?: string;
  nodeName?: string;
  phase?: string;
  /** Ready condition is `True`. */
  ready: boolean;
  /** Deletion has started (`deletionTimestamp` is set). */
  terminating: boolean;
  labels: Record<string, string>;
  /** The owner reference with `controller: true` (ReplicaSet, DaemonSet, StatefulSet, Node for mirror pods, …). */
  controller?: { kind: string; name: string };
  /** The containers' images, by container name. */
  images: Record<string, string>;
  /** The address of the node the pod runs on, once it runs. */
  hostIP?: string;
  annotations: Record<string, string>;
}

/** Why a pod on a draining node is left alone. */
export type PodSkipReason = 'daemonset' | 'mirror' | 'finished' | 'terminating';

/** Why a pod is evicted; `unmanaged` only when forced, `local-storage` loses its emptyDir data. */
export type PodEvictReason = 'managed' | 'local-storage' | 'unmanaged';

export interface PdbSummary {
  namespace: string;
  name: string;
  minAvailable?: number | string;
  maxUnavailable?: number | string;
  currentHealthy?: number;
  desiredHealthy?: number;
  expectedPods?: number;
  disruptionsAllowed?: number;
}

/** What kept a drain from finishing before its deadline. */
export type DrainBlocker =
  /** Every eviction attempt was refused (429), usually by a PodDisruptionBudget. */
  | { kind: 'eviction-refused'; pod: PodRef; message: string; budgets: PdbSummary[] }
  /** The eviction failed outright (e.g. the pod is selected by several budgets). */
  | { kind: 'eviction-failed'; pod: PodRef; message: string; budgets: PdbSummary[] }
  /** Evicted, but still present on the node at the deadline (finalizers, long grace period). */
  | { kind: 'still-terminating'; pod: PodRef; phase?: string };

export interface DrainResult {
  node: string;
  /** False when the node was already cordoned. */
  cordoned: boolean;
  evicted: Array<{ pod: PodRef; reason: PodEvictReason }>;
  skipped: Array<{ pod: PodRef; reason: PodSkipReason }>;
  /** Eviction answered 404: the pod was already gone. */
  alreadyGone: PodRef[];
}

/** Progress of a drain, for a live view; the drain itself never prints. */
export type DrainEvent =
  | { kind: 'cordoned'; node: string; changed: boolean }
  | {
      kind: 'pods-classified';
      node: string;
      evict: Array<{ pod: PodRef; reason: PodEvictReason }>;
      skip: Array<{ pod: PodRef; reason: PodSkipReason }>;
    }
  | { kind: 'evicting'; pod: PodRef; attempt: number }
  | { kind: 'eviction-blocked'; pod: PodRef; attempt: number; message: string; retryInMs: number }
  | { kind: 'evicted'; pod: PodRef }
  | { kind: 'already-gone'; pod: PodRef }
  | { kind: 'waiting-for-pods'; node: string; remaining: PodRef[] }
  | { kind: 'drained'; node: string; evicted: number };

export interface NodeReadiness {
  name: string;
  /** False when no Node object of that name is registered. */
  registered: boolean;
  ready: boolean;
  reason?: string;
  message?: string;
  kubeletVersion?: string;
  /** Why a satisfied Ready condition is not enough yet (from the caller's `check`). */
  pending?: string;
}

export interface AppliedObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  /** The object as the server stored it (or would, on a dry run). */
  object: unknown;
}

export const podKey = (pod: PodRef): string => `${pod.namespace}/${pod.name}`;

/**
 * The operations hk8s performs on a cluster, over any KubeApi. No client library is imported here:
 * tests build this over an in-memory KubeApi, production over the client-node adapter.
 */
import type {
  CallOptions,
  DeleteObjectOptions,
  KubeApi,
  KubeObject,
  ObjectRef,
  PodQuery,
  ServerVersion,
} from './api.js';
import { deleteObject, serverSideApply, type ServerSideApplyOptions } from './apply.js';
import { systemClock, type Backoff, type Clock } from './clock.js';
import { drainNode, type DrainOptions } from './drain.js';
import { NodeOperations } from './nodes.js';
import { podInfo } from './pods.js';
import { waitNodesReady, type WaitReadyOptions } from './ready.js';
import { withTransientRetry, type RetryPolicy } from './retry.js';
import type { AppliedObject, DrainResult, NodeInfo, NodeReadiness, PodInfo } from './types.js';

export interface KubeTimingOptions {
  clock?: Clock;
  /** Default deadline of a drain. 5 minutes. */
  drainTimeoutMs?: number;
  /** Default deadline of waitNodesReady. 10 minutes. */
  readyTimeoutMs?: number;
  /** Between checks that evicted pods are gone. 1 s, as kubectl. */
  podPollMs?: number;
  /** Between node readiness checks. 2 s. */
  nodePollMs?: number;
  /** Between refused (429) evictions of one pod. 1 s doubling to 10 s. */
  evictionBackoff?: Backoff;
  /** Between retries of a request that failed in transit (API server restarting). 250 ms doubling to 4 s. */
  retryBackoff?: Backoff;
  /** Attempts per request that fails in transit, the first included. 5. */
  retryAttempts?: number;
}

export const DEFAULT_TIMING = {
  drainTimeoutMs: 300_000,
  readyTimeoutMs: 600_000,
  podPollMs: 1000,
  nodePollMs: 2000,
  evictionBackoff: { initialMs: 1000, maxMs: 10_000, factor: 2 },
  retryBackoff: { initialMs: 250, maxMs: 4000, factor: 2 },
  retryAttempts: 5,
} as const satisfies Required<Omit<KubeTimingOptions, 'clock'>>;

export interface KubeClient {
  listNodes(query?: { labelSelector?: string }, call?: CallOptions): Promise<NodeInfo[]>;
  getNode(name: string, call?: CallOptions): Promise<NodeInfo | undefined>;
  listPods(query?: PodQuery, call?: CallOptions): Promise<PodInfo[]>;
  cordon(node: string, call?: CallOptions): Promise<{ changed: boolean; node: NodeInfo }>;
  uncordon(node: string, call?: CallOptions): Promise<{ changed: boolean; node: NodeInfo }>;
  drain(node: string, options?: DrainOptions): Promise<DrainResult>;
  deleteNode(node: string, call?: CallOptions): Promise<{ existed: boolean }>;
  waitNodesReady(names: string[], options?: WaitReadyOptions): Promise<NodeReadiness[]>;
  serverSideApply(objects: readonly unknown[], options?: ServerSideApplyOptions): Promise<AppliedObject[]>;
  deleteObject(ref: ObjectRef, options?: DeleteObjectOptions & CallOptions): Promise<{ existed: boolean }>;
  /** Undefined when the object (or its kind) does not exist. */
  getObject(ref: ObjectRef, call?: CallOptions): Promise<KubeObject | undefined>;
  serverVersion(call?: CallOptions): Promise<ServerVersion>;
}

export function kubeOperations(api: KubeApi, options: KubeTimingOptions = {}): KubeClient {
  const clock = options.clock ?? systemClock;
  const d = DEFAULT_TIMING;
  const retry: RetryPolicy = {
    clock,
    backoff: options.retryBackoff ?? d.retryBackoff,
    attempts: options.retryAttempts ?? d.retryAttempts,
  };
  const nodes = new NodeOperations(api, retry);
  const drainTiming = {
    clock,
    evictionBackoff: options.evictionBackoff ?? d.evictionBackoff,
    podPollMs: options.podPollMs ?? d.podPollMs,
    defaultTimeoutMs: options.drainTimeoutMs ?? d.drainTimeoutMs,
    retry,
  };
  const readyTiming = {
    clock,
    pollMs: options.nodePollMs ?? d.nodePollMs,
    defaultTimeoutMs: options.readyTimeoutMs ?? d.readyTimeoutMs,
  };
  return {
    listNodes: (query, call) => nodes.listNodes(query, call),
    getNode: (name, call) => nodes.getNode(name, call),
    listPods: async (query = {}, call = {}) =>
      (await withTransientRetry(retry, call.signal, () => api.listPods(query, call))).map(podInfo),
    cordon: (node, call) => nodes.cordon(node, call),
    uncordon: (node, call) => nodes.uncordon(node, call),
    drain: (node, drainOptions) => drainNode(api, nodes, drainTiming, node, drainOptions),
    deleteNode: (node, call) => nodes.deleteNode(node, call),
    waitNodesReady: (names, readyOptions) => waitNodesReady(api, readyTiming, names, readyOptions),
    serverSideApply: (objects, applyOptions) => serverSideApply(api, retry, objects, applyOptions),
    deleteObject: (ref, deleteOptions) => deleteObject(api, retry, ref, deleteOptions),
    getObject: (ref, call = {}) => withTransientRetry(retry, call.signal, () => api.getObject(ref, call)),
    serverVersion: (call = {}) => withTransientRetry(retry, call.signal, () => api.version(call)),
  };
}

/** Waiting until named nodes are registered and Ready (and, optionally, meet a caller's check). */
import type { CallOptions, KubeApi } from './api.js';
import type { Clock } from './clock.js';
import { NodesNotReadyError, isTransientKubeError } from './errors.js';
import { nodeInfo } from './nodes.js';
import type { NodeInfo, NodeReadiness } from './types.js';

export interface WaitReadyOptions extends CallOptions {
  /** Default: the client's `readyTimeoutMs`. */
  timeoutMs?: number;
  /**
   * A further requirement on a Ready node, e.g. the kubelet version after an upgrade: returns what is
   * still missing (shown in the report), or undefined when the node is done.
   */
  check?: (node: NodeInfo) => string | undefined;
  /** Called after every poll with each node's readiness. */
  onProgress?: (nodes: NodeReadiness[]) => void;
}

export interface ReadyTiming {
  clock: Clock;
  pollMs: number;
  defaultTimeoutMs: number;
}

export function readiness(
  name: string,
  node: NodeInfo | undefined,
  check?: WaitReadyOptions['check'],
): NodeReadiness {
  if (node === undefined) return { name, registered: false, ready: false };
  const entry: NodeReadiness = { name, registered: true, ready: node.ready };
  const condition = node.readyCondition;
  if (condition?.reason) entry.reason = condition.reason;
  if (condition?.message) entry.message = condition.message;
  if (condition === undefined) entry.reason = 'no Ready condition reported yet';
  if (node.kubeletVersion) entry.kubeletVersion = node.kubeletVersion;
  const pending = node.ready ? check?.(node) : undefined;
  if (pending !== undefined) entry.pending = pending;
  return entry;
}

const done = (entry: NodeReadiness): boolean => entry.ready && entry.pending === undefined;

/** Resolves with every node's readiness once all are done; throws NodesNotReadyError at the deadline. */
export async function waitNodesReady(
  api: KubeApi,
  timing: ReadyTiming,
  names: string[],
  options: WaitReadyOptions = {},
): Promise<NodeReadiness[]> {
  const timeoutMs = options.timeoutMs ?? timing.defaultTimeoutMs;
  const deadline = timing.clock.now() + timeoutMs;
  const call: CallOptions = options.signal ? { signal: options.signal } : {};
  let report: NodeReadiness[] = names.map((name) => readiness(name, undefined));
  let lastError: unknown;
  while (names.length > 0) {
    try {
      const byName = new Map((await api.listNodes({}, call)).map((n) => [n.metadata.name, nodeInfo(n)]));
      report = names.map((name) => readiness(name, byName.get(name), options.check));
      lastError = undefined;
      options.onProgress?.(report);
      if (report.every(done)) return report;
    } catch (error) {
      if (!isTransientKubeError(error)) throw error;
      lastError = error;
    }
    const left = deadline - timing.clock.now();
    if (left <= 0)
      throw new NodesNotReadyError(
        report.filter((entry) => !done(entry)),
        timeoutMs,
        lastError,
      );
    await timing.clock.sleep(Math.min(left, timing.pollMs), options.signal);
  }
  return report;
}

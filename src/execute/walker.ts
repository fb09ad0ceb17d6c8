/**
 * A generic graph walker: runs nodes whose dependencies succeeded, at most `parallelism` at once
 * and at most `limit` per group; a failure skips what depends on it while everything independent
 * still finishes; an abort launches nothing new and lets running nodes end. It knows nothing of
 * what nodes do. When more nodes are ready than there are slots, the one with the longest chain of
 * work behind it (its `weight` plus its heaviest dependent's chain) goes first: critical-path list
 * scheduling, so the long server → config → health chains never wait behind quick side work.
 */
import { topologicalOrder, type GraphNode } from '../plan/graph.js';

export type NodeStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped';
export type SkipReason = 'dependency-failed' | 'interrupted';

export interface WalkNode extends GraphNode {
  group?: string;
}

export interface WalkOptions<T extends WalkNode> {
  parallelism: number;
  groups?: Record<string, { limit: number }>;
  /** How long a node usually takes (any unit); without it every node weighs 1. */
  weight?(node: T): number;
  signal?: AbortSignal;
  /** Resolves on success, rejects on failure. */
  run(node: T): Promise<void>;
  onSkip?(node: T, reason: SkipReason, dependency?: string): void | Promise<void>;
}

export async function walkGraph<T extends WalkNode>(
  nodes: readonly T[],
  options: WalkOptions<T>,
): Promise<Map<string, NodeStatus>> {
  const order = topologicalOrder(nodes);
  const scan = byCriticalPath(order, options.weight ?? (() => 1));
  const status = new Map<string, NodeStatus>(order.map((n) => [n.id, 'pending']));
  const inGroup = new Map<string, number>();
  const running = new Map<string, Promise<void>>();
  const parallelism = Math.max(1, options.parallelism);

  const groupHasRoom = (node: T) =>
    !node.group || (inGroup.get(node.group) ?? 0) < (options.groups?.[node.group]?.limit ?? Infinity);

  const skip = async (node: T, reason: SkipReason, dependency?: string) => {
    status.set(node.id, 'skipped');
    await options.onSkip?.(node, reason, dependency);
  };

  const launch = (node: T) => {
    status.set(node.id, 'running');
    if (node.group) inGroup.set(node.group, (inGroup.get(node.group) ?? 0) + 1);
    const done = options.run(node).then(
      () => status.set(node.id, 'succeeded'),
      () => status.set(node.id, 'failed'),
    );
    running.set(
      node.id,
      done.then(() => {
        running.delete(node.id);
        if (node.group) inGroup.set(node.group, (inGroup.get(node.group) ?? 1) - 1);
      }),
    );
  };

  for (;;) {
    let progressed = false;
    for (const node of scan) {
      if (status.get(node.id) !== 'pending') continue;
      const blocker = node.dependsOn.find((d) => {
        const s = status.get(d);
        return s === 'failed' || s === 'skipped';
      });
      if (blocker) {
        await skip(node, 'dependency-failed', blocker);
        progressed = true;
        continue;
      }
      if (options.signal?.aborted) continue;
      const ready = node.dependsOn.every((d) => status.get(d) === 'succeeded');
      if (ready && running.size < parallelism && groupHasRoom(node)) {
        launch(node);
        progressed = true;
      }
    }
    if (running.size === 0 && !progressed) break;
    if (running.size > 0 && !progressed) await Promise.race(running.values());
  }
  for (const node of order) {
    if (status.get(node.id) === 'pending') await skip(node, 'interrupted');
  }
  return status;
}

/**
 * The nodes by the length of the heaviest chain that starts at each, longest first; ties keep the
 * topological order (itself deterministic), so the same graph is always walked the same way.
 */
export function byCriticalPath<T extends GraphNode>(order: readonly T[], weight: (node: T) => number): T[] {
  const dependents = new Map<string, T[]>();
  for (const node of order) {
    for (const dep of node.dependsOn) {
      const list = dependents.get(dep);
      if (list) list.push(node);
      else dependents.set(dep, [node]);
    }
  }
  // Dependents come later in a topological order: walking it backwards, theirs are known first.
  const chain = new Map<string, number>();
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i]!;
    let after = 0;
    for (const d of dependents.get(node.id) ?? []) after = Math.max(after, chain.get(d.id) ?? 0);
    chain.set(node.id, Math.max(0, weight(node)) + after);
  }
  const position = new Map(order.map((n, i) => [n.id, i]));
  // With positive weights a node's chain exceeds each dependent's, so this is a topological order too.
  return [...order].sort(
    (a, b) => (chain.get(b.id) ?? 0) - (chain.get(a.id) ?? 0) || position.get(a.id)! - position.get(b.id)!,
  );
}

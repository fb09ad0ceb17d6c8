/**
 * Plan-time observation of the Talos version every configured node runs: one `Version` call per
 * node, a few at a time. A node that does not answer is reported as unknown — never as upgraded —
 * so the planner can tell "at the target" from "could not look".
 */
import type { NodeVersion } from '../plan/talos/upgrades.js';

export interface VersionTarget {
  /** The node's server address (`server.<pool>.<i>`). */
  server: string;
  /** Where its Talos API answers. */
  ip: string;
}

/** Asks one node for its Talos version tag; rejects when it does not answer. */
export type VersionProbe = (ip: string) => Promise<string>;

/** One small call per node: a 500-node plan should not wait on a queue of eight. */
export const DEFAULT_CONCURRENCY = 32;

/** Why a probe failed, in words that do not change from one attempt to the next (they are hashed). */
function reasonOf(error: unknown): string {
  const status = (error as { grpcStatus?: unknown } | null)?.grpcStatus;
  return typeof status === 'string' ? `Talos API answered ${status}` : 'the Talos API did not answer';
}

export async function observeTalosVersions(
  targets: readonly VersionTarget[],
  probe: VersionProbe,
  concurrency = DEFAULT_CONCURRENCY,
): Promise<Record<string, NodeVersion>> {
  const results: Record<string, NodeVersion> = {};
  const queue = [...targets].sort((a, b) => a.server.localeCompare(b.server));
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const { server, ip } = next;
      try {
        const version = await probe(ip);
        results[server] = version
          ? { status: 'running', version }
          : { status: 'unknown', reason: 'the node reported no version' };
      } catch (error) {
        results[server] = { status: 'unknown', reason: reasonOf(error) };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, targets.length)) }, worker));
  // Insertion order follows completion; the plan wants the same bytes every time.
  return Object.fromEntries(Object.entries(results).sort(([a], [b]) => a.localeCompare(b)));
}

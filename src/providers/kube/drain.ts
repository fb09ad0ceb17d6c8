/**
 * Drain: cordon, evict through the Eviction API (so PodDisruptionBudgets are honoured), then wait
 * until the evicted pods have left the node, all bounded by one deadline. Refusals (429) are retried
 * with backoff until the deadline; what still blocks then is reported with the budgets behind it.
 */
import type { CallOptions, KubeApi, PdbObject, PodObject } from './api.js';
import { budgetsSelecting, summarizeBudget } from './budgets.js';
import { backoffDelay, type Backoff, type Clock } from './clock.js';
import { DrainBlockedError, DrainRefusedError, KubeApiError, isTransientKubeError } from './errors.js';
import type { NodeOperations } from './nodes.js';
import { podRef, selectPodsToEvict } from './pods.js';
import { withTransientRetry, type RetryPolicy } from './retry.js';
import type { DrainBlocker, DrainEvent, DrainResult, PodEvictReason, PodRef } from './types.js';

export interface DrainOptions extends CallOptions {
  /** Also evict pods that declare no controller (they are not recreated anywhere). Default false. */
  force?: boolean;
  /** Deadline for the whole drain. Default: the client's `drainTimeoutMs`. */
  timeoutMs?: number;
  /** Passed to each eviction; default: each pod's own terminationGracePeriodSeconds. */
  gracePeriodSeconds?: number;
  onProgress?: (event: DrainEvent) => void;
}

export interface DrainTiming {
  clock: Clock;
  /** Between refused evictions of one pod (a Retry-After from the server stretches it). */
  evictionBackoff: Backoff;
  /** Between checks whether evicted pods have left the node. */
  podPollMs: number;
  defaultTimeoutMs: number;
  /** For the single requests around the eviction loop (cordon, the first pod list). */
  retry: RetryPolicy;
}

type EvictionEnd =
  | { kind: 'evicted' }
  | { kind: 'gone' }
  | { kind: 'refused'; message: string }
  | { kind: 'failed'; message: string };

interface Candidate {
  pod: PodObject;
  reason: PodEvictReason;
}

export function drainNode(
  api: KubeApi,
  nodes: NodeOperations,
  timing: DrainTiming,
  node: string,
  options: DrainOptions = {},
): Promise<DrainResult> {
  return new DrainRun(api, nodes, timing, node, options).run();
}

const samePod = (pod: PodObject, ref: PodRef): boolean =>
  pod.metadata.namespace === ref.namespace &&
  pod.metadata.name === ref.name &&
  (ref.uid === undefined || pod.metadata.uid === ref.uid);

class DrainRun {
  private readonly deadline: number;
  private readonly timeoutMs: number;
  private readonly call: CallOptions;

  constructor(
    private readonly api: KubeApi,
    private readonly nodes: NodeOperations,
    private readonly timing: DrainTiming,
    private readonly node: string,
    private readonly options: DrainOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? timing.defaultTimeoutMs;
    this.deadline = timing.clock.now() + this.timeoutMs;
    this.call = options.signal ? { signal: options.signal } : {};
  }

  async run(): Promise<DrainResult> {
    const { changed } = await this.nodes.cordon(this.node, this.call);
    this.emit({ kind: 'cordoned', node: this.node, changed });
    const pods = await withTransientRetry(this.timing.retry, this.options.signal, () =>
      this.api.listPods({ nodeName: this.node }, this.call),
    );
    const selection = selectPodsToEvict(pods, { force: this.options.force === true });
    this.emit({
      kind: 'pods-classified',
      node: this.node,
      evict: selection.evict.map((c) => ({ pod: podRef(c.pod), reason: c.reason })),
      skip: selection.skip,
    });
    if (selection.refuse.length > 0) throw new DrainRefusedError(this.node, selection.refuse);

    const ends = await Promise.all(selection.evict.map((candidate) => this.evict(candidate.pod)));
    const evicted = selection.evict.filter((_, i) => ends[i]?.kind === 'evicted');
    const remaining = await this.waitUntilGone(evicted.map((c) => c.pod));
    const blockers = await this.blockers(selection.evict, ends, remaining);
    if (blockers.length > 0) throw new DrainBlockedError(this.node, blockers, this.timeoutMs);

    this.emit({ kind: 'drained', node: this.node, evicted: evicted.length });
    return {
      node: this.node,
      cordoned: changed,
      evicted: evicted.map((c) => ({ pod: podRef(c.pod), reason: c.reason })),
      skipped: selection.skip,
      alreadyGone: selection.evict.filter((_, i) => ends[i]?.kind === 'gone').map((c) => podRef(c.pod)),
    };
  }

  private emit(event: DrainEvent): void {
    this.options.onProgress?.(event);
  }

  private remainingMs(): number {
    return this.deadline - this.timing.clock.now();
  }

  /** Evicts one pod, retrying refusals and transient failures until the deadline. */
  private async evict(pod: PodObject): Promise<EvictionEnd> {
    const ref = podRef(pod);
    const evictOptions =
      this.options.gracePeriodSeconds === undefined
        ? {}
        : { gracePeriodSeconds: this.options.gracePeriodSeconds };
    for (let attempt = 1; ; attempt++) {
      this.emit({ kind: 'evicting', pod: ref, attempt });
      let refusal: { message: string; retryAfterSeconds?: number };
      try {
        const outcome = await this.api.evictPod(ref, evictOptions, this.call);
        if (outcome.kind === 'evicted') {
          this.emit({ kind: 'evicted', pod: ref });
          return { kind: 'evicted' };
        }
        if (outcome.kind === 'gone') {
          this.emit({ kind: 'already-gone', pod: ref });
          return { kind: 'gone' };
        }
        refusal = outcome;
      } catch (error) {
        if (!(error instanceof KubeApiError)) throw error;
        if (!isTransientKubeError(error)) return { kind: 'failed', message: error.message };
        refusal = { message: error.message };
      }
      const left = this.remainingMs();
      if (left <= 0) return { kind: 'refused', message: refusal.message };
      const delay = Math.min(
        left,
        Math.max(backoffDelay(this.timing.evictionBackoff, attempt), (refusal.retryAfterSeconds ?? 0) * 1000),
      );
      this.emit({ kind: 'eviction-blocked', pod: ref, attempt, message: refusal.message, retryInMs: delay });
      await this.timing.clock.sleep(delay, this.options.signal);
    }
  }

  /** Polls the node's pods until every evicted one is gone (or replaced: another uid); returns those left. */
  private async waitUntilGone(evicted: PodObject[]): Promise<PodObject[]> {
    let remaining = evicted;
    while (remaining.length > 0) {
      try {
        const present = await this.api.listPods({ nodeName: this.node }, this.call);
        remaining = present.filter((pod) => remaining.some((r) => samePod(pod, podRef(r))));
      } catch (error) {
        if (!isTransientKubeError(error)) throw error;
      }
      const left = this.remainingMs();
      if (remaining.length === 0 || left <= 0) break;
      this.emit({ kind: 'waiting-for-pods', node: this.node, remaining: remaining.map(podRef) });
      await this.timing.clock.sleep(Math.min(left, this.timing.podPollMs), this.options.signal);
    }
    return remaining;
  }

  private async blockers(
    candidates: Candidate[],
    ends: EvictionEnd[],
    remaining: PodObject[],
  ): Promise<DrainBlocker[]> {
    const blockers: DrainBlocker[] = [];
    const budgets = new Map<string, PdbObject[]>();
    for (const [i, candidate] of candidates.entries()) {
      const end = ends[i];
      if (end?.kind !== 'refused' && end?.kind !== 'failed') continue;
      const namespace = candidate.pod.metadata.namespace;
      if (!budgets.has(namespace)) budgets.set(namespace, await this.budgetsIn(namespace));
      const selecting = budgetsSelecting(candidate.pod, budgets.get(namespace) ?? []).map(summarizeBudget);
      const kind = end.kind === 'refused' ? 'eviction-refused' : 'eviction-failed';
      blockers.push({ kind, pod: podRef(candidate.pod), message: end.message, budgets: selecting });
    }
    for (const pod of remaining) {
      const phase = pod.status?.phase;
      blockers.push({ kind: 'still-terminating', pod: podRef(pod), ...(phase ? { phase } : {}) });
    }
    return blockers;
  }

  /**
   * The budgets are looked up only to explain a failure; if that lookup fails the eviction message
   * (which names the budget itself) still stands, so the lookup error must not replace it.
   */
  private async budgetsIn(namespace: string): Promise<PdbObject[]> {
    try {
      return await this.api.listPodDisruptionBudgets(namespace, this.call);
    } catch (error) {
      if (error instanceof KubeApiError) return [];
      throw error;
    }
  }
}

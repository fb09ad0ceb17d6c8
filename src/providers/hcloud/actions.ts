/**
 * Waiting for Hetzner actions. All waiters of one client share a single poll loop: each tick asks
 * `GET /actions?id=…` for every pending id at once (50 ids per request), so N concurrent waits cost one
 * request per tick, not N. The interval starts short and grows, and starts short again when a new
 * waiter joins.
 */
import { apiError, HcloudActionError, HcloudApiError, classifyApiFailure } from './errors.js';
import type { HcloudEvent } from './events.js';
import type { Action } from './types.js';

export const ACTION_IDS_PER_REQUEST = 50;

export interface PollIntervals {
  initialMs: number;
  maxMs: number;
  factor: number;
}

export const DEFAULT_POLL_INTERVALS: PollIntervals = { initialMs: 500, maxMs: 2000, factor: 1.5 };

export interface WaitOptions {
  signal?: AbortSignal;
  /** Give up (with a retryable error) when the actions still run after this long. */
  timeoutMs?: number;
}

export interface ActionWaiterDeps {
  /** One `GET /actions?id=…` request for at most 50 ids. */
  fetchActions(ids: number[]): Promise<Action[]>;
  sleep(ms: number): Promise<void>;
  now(): number;
  emit(event: HcloudEvent): void;
  intervals: PollIntervals;
}

interface Polled {
  ids: Set<number>;
  byId: Map<number, Action>;
}

interface Waiter {
  ids: number[];
  pending: Set<number>;
  done: Map<number, Action>;
  deadline: number | undefined;
  resolve(actions: Action[]): void;
  reject(error: unknown): void;
}

export class ActionWaiter {
  private readonly waiters = new Set<Waiter>();
  private running = false;
  private intervalMs: number;

  constructor(private readonly deps: ActionWaiterDeps) {
    this.intervalMs = deps.intervals.initialMs;
  }

  /** Resolves with the finished actions (in the order of `ids`) once all succeeded. */
  wait(ids: readonly number[], options: WaitOptions = {}): Promise<Action[]> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return Promise.resolve([]);
    options.signal?.throwIfAborted();
    return new Promise<Action[]>((resolve, reject) => {
      const { signal } = options;
      const onAbort = (): void => {
        this.waiters.delete(waiter);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        ids: unique,
        pending: new Set(unique),
        done: new Map(),
        deadline: options.timeoutMs === undefined ? undefined : this.deps.now() + options.timeoutMs,
        resolve: (actions) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(actions);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
      this.intervalMs = this.deps.intervals.initialMs;
      if (!this.running) {
        this.running = true;
        void this.loop();
      }
    });
  }

  private async loop(): Promise<void> {
    try {
      while (this.waiters.size > 0) {
        await this.deps.sleep(this.intervalMs);
        const { factor, maxMs } = this.deps.intervals;
        this.intervalMs = Math.min(maxMs, this.intervalMs * factor);
        if (this.waiters.size === 0) break;
        let polled: Polled;
        try {
          polled = await this.pollPending();
        } catch (error) {
          for (const waiter of this.waiters) waiter.reject(error);
          this.waiters.clear();
          break;
        }
        for (const waiter of [...this.waiters]) this.advance(waiter, polled);
      }
    } finally {
      this.running = false;
    }
  }

  private async pollPending(): Promise<Polled> {
    const ids = new Set<number>();
    for (const waiter of this.waiters) for (const id of waiter.pending) ids.add(id);
    const sorted = [...ids].sort((a, b) => a - b);
    const byId = new Map<number, Action>();
    for (let i = 0; i < sorted.length; i += ACTION_IDS_PER_REQUEST) {
      const actions = await this.deps.fetchActions(sorted.slice(i, i + ACTION_IDS_PER_REQUEST));
      for (const action of actions) byId.set(action.id, action);
    }
    return { ids, byId };
  }

  private advance(waiter: Waiter, polled: Polled): void {
    const { byId } = polled;
    const failure = this.settleKnown(waiter, polled);
    if (failure) return this.finish(waiter, failure);
    if (waiter.pending.size === 0) {
      this.waiters.delete(waiter);
      waiter.resolve(waiter.ids.map((id) => waiter.done.get(id) as Action));
      return;
    }
    this.deps.emit(progressOf(waiter, byId));
    if (waiter.deadline !== undefined && this.deps.now() >= waiter.deadline) {
      this.finish(waiter, timeoutError(waiter));
    }
  }

  /** Moves finished actions out of `pending`; returns the error that ends this waiter, if any. */
  private settleKnown(waiter: Waiter, { ids, byId }: Polled): HcloudApiError | undefined {
    for (const id of [...waiter.pending]) {
      // A waiter that joined while this poll was under way is looked at from the next poll on.
      if (!ids.has(id)) continue;
      const action = byId.get(id);
      if (!action) {
        return apiError({
          operation: 'get_multiple_actions',
          status: 404,
          hcloudCode: 'not_found',
          hcloudMessage: `action ${id} was not found`,
          retryable: false,
        });
      }
      if (action.status === 'error') return actionError(action);
      if (action.status === 'success') {
        waiter.pending.delete(id);
        waiter.done.set(id, action);
      }
    }
    return undefined;
  }

  private finish(waiter: Waiter, error: unknown): void {
    this.waiters.delete(waiter);
    waiter.reject(error);
  }
}

function progressOf(waiter: Waiter, byId: Map<number, Action>): HcloudEvent {
  let sum = 0;
  for (const id of waiter.ids) sum += waiter.done.has(id) ? 100 : (byId.get(id)?.progress ?? 0);
  return {
    type: 'action-progress',
    actionIds: waiter.ids,
    progress: Math.round(sum / waiter.ids.length),
    running: waiter.pending.size,
  };
}

function actionError(action: Action): HcloudActionError {
  const hcloudCode = action.error?.code ?? 'action_failed';
  const { code, hint } = classifyApiFailure(undefined, hcloudCode);
  const message = action.error?.message ?? 'no reason given';
  return new HcloudActionError({
    code,
    hint,
    message: `Hetzner Cloud action ${action.command} (${action.id}) failed: ${message} (${hcloudCode})`,
    operation: action.command,
    hcloudCode,
    retryable: false,
    actionId: action.id,
    command: action.command,
  });
}

function timeoutError(waiter: Waiter): HcloudApiError {
  return new HcloudApiError({
    code: 'provider.api',
    message: `Hetzner Cloud actions ${[...waiter.pending].join(', ')} were still running when the wait ended`,
    operation: 'wait_for_actions',
    hint: 'run again later: the actions go on at Hetzner and hk8s picks them up',
    retryable: true,
  });
}

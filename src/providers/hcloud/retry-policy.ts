/**
 * When to send a request again. Pure: the pipeline feeds it the outcome of one attempt and the history
 * of the operation so far, and it answers done, fail, retry after a delay, or verify before re-sending.
 *
 * Safety of an operation decides what happens when an answer is lost (timeout, reset connection,
 * 5xx without a Hetzner error body, `timeout`/`service_error`/`server_error`), i.e. when the request may
 * or may not have taken effect:
 * - `idempotent`: GET, PUT, DELETE and action POSTs that set an absolute state (power, protection, rDNS,
 *   firewall rule set, …). Sending again has the same effect as sending once, so it is re-sent.
 * - `create` (POST to a collection) and `non-idempotent` (action POSTs that add or remove one thing):
 *   never re-sent blind. The caller's check (look-up by the address label, or `verify()`) runs first;
 *   without one the operation fails with a retryable error.
 * Refusals — 429 `rate_limit_exceeded`, 409 `conflict`, 423 `locked`, 503 `unavailable`, and connections
 * that never opened — did nothing, so they are retried whatever the safety.
 */
import type { RetryReason } from './events.js';

export type Safety = 'idempotent' | 'create' | 'non-idempotent';

export type Outcome =
  | { kind: 'ok'; status: number }
  | { kind: 'http'; status: number; hcloudCode?: string }
  | { kind: 'network'; sent: boolean; timedOut: boolean };

export type Decision =
  | { kind: 'done' }
  | { kind: 'fail' }
  | { kind: 'retry'; reason: RetryReason; delayMs: number }
  | { kind: 'verify'; reason: RetryReason; delayMs: number };

export interface RetryPolicyOptions {
  /** Attempts per operation for transient failures (locked waits are bounded by time instead). */
  maxAttempts: number;
  /** First backoff step; doubles per retry up to `backoffCapMs`, with full jitter. */
  backoffBaseMs: number;
  backoffCapMs: number;
  /** Total time an operation may wait on `locked` before it fails. */
  lockedTimeoutMs: number;
  /** Largest single wait between `locked` retries. */
  lockedStepCapMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicyOptions = {
  maxAttempts: 5,
  backoffBaseMs: 1000,
  backoffCapMs: 60_000,
  lockedTimeoutMs: 60_000,
  lockedStepCapMs: 5000,
};

/** What the pipeline has done so far for one operation. */
export interface History {
  /** Attempts that counted against `maxAttempts` (all but `locked` ones), including this one. */
  attempts: number;
  /** `locked` answers so far, including this one when it is one. */
  lockedCount: number;
  /** Time already spent waiting on `locked`. */
  lockedWaitedMs: number;
}

const MAX_LOCKED_RETRIES = 60;

type Kind = 'refused' | 'lost' | 'locked' | 'final';

/** Sorts an outcome into: refused (nothing happened), lost (unknown whether it happened), locked, final. */
export function classifyOutcome(outcome: Exclude<Outcome, { kind: 'ok' }>): {
  kind: Kind;
  reason: RetryReason;
} {
  if (outcome.kind === 'network') {
    if (!outcome.sent) return { kind: 'refused', reason: 'network' };
    return { kind: 'lost', reason: outcome.timedOut ? 'timeout' : 'network' };
  }
  const { status, hcloudCode } = outcome;
  switch (hcloudCode) {
    case 'rate_limit_exceeded':
      return { kind: 'refused', reason: 'rate-limited' };
    case 'conflict':
      // A resource busy with another change (networks answer this rather than `locked`): wait it
      // out like a lock, bounded by time, not by a handful of quick attempts.
      return { kind: 'locked', reason: 'conflict' };
    case 'locked':
    case 'resource_locked':
      return { kind: 'locked', reason: 'locked' };
    case 'unavailable':
      return { kind: 'refused', reason: 'unavailable' };
    case 'timeout':
      return { kind: 'lost', reason: 'timeout' };
    case 'service_error':
    case 'server_error':
    case 'bad_gateway':
      return { kind: 'lost', reason: 'server-error' };
    case undefined:
      break;
    default:
      // Any 5xx (Hetzner's `unknown_error` among them) may or may not have taken effect.
      if (status >= 500) return { kind: 'lost', reason: status === 504 ? 'timeout' : 'server-error' };
      return { kind: 'final', reason: 'server-error' };
  }
  if (status === 429) return { kind: 'refused', reason: 'rate-limited' };
  if (status >= 500) return { kind: 'lost', reason: status === 504 ? 'timeout' : 'server-error' };
  return { kind: 'final', reason: 'server-error' };
}

export function decide(
  outcome: Outcome,
  safety: Safety,
  history: History,
  options: RetryPolicyOptions,
  random: () => number,
): Decision {
  if (outcome.kind === 'ok') return { kind: 'done' };
  const { kind, reason } = classifyOutcome(outcome);
  switch (kind) {
    case 'final':
      return { kind: 'fail' };
    case 'locked': {
      const delayMs = lockedDelay(history.lockedCount, options, random);
      if (history.lockedWaitedMs + delayMs > options.lockedTimeoutMs) return { kind: 'fail' };
      // Also bounded by count, for policies scaled down to zero delays.
      if (history.lockedCount > MAX_LOCKED_RETRIES) return { kind: 'fail' };
      return { kind: 'retry', reason, delayMs };
    }
    case 'refused': {
      if (history.attempts >= options.maxAttempts) return { kind: 'fail' };
      // The request budget already waits as the rate-limit headers say; no extra backoff on top.
      const delayMs = reason === 'rate-limited' ? 0 : backoff(history.attempts, options, random);
      return { kind: 'retry', reason, delayMs };
    }
    case 'lost': {
      if (history.attempts >= options.maxAttempts) return { kind: 'fail' };
      const delayMs = backoff(history.attempts, options, random);
      return safety === 'idempotent'
        ? { kind: 'retry', reason, delayMs }
        : { kind: 'verify', reason, delayMs };
    }
  }
}

/** Exponential backoff with full jitter: uniform in [0, min(cap, base·2^(n−1))]. */
export function backoff(retry: number, options: RetryPolicyOptions, random: () => number): number {
  const ceiling = Math.min(options.backoffCapMs, options.backoffBaseMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

/** Locked waits grow like the backoff but keep half of each step, so a lock is not hammered. */
function lockedDelay(lockedCount: number, options: RetryPolicyOptions, random: () => number): number {
  const step = Math.min(options.lockedStepCapMs, options.backoffBaseMs * 2 ** Math.max(0, lockedCount - 1));
  return Math.floor(step / 2 + (random() * step) / 2);
}

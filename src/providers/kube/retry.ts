/**
 * Short retries of single requests that failed on the way (API server restarting, endpoint moving
 * between control planes during an upgrade). Every request hk8s retries here is idempotent.
 */
import { backoffDelay, type Backoff, type Clock } from './clock.js';
import { isTransientKubeError } from './errors.js';

export interface RetryPolicy {
  clock: Clock;
  backoff: Backoff;
  /** Attempts in all, including the first. */
  attempts: number;
}

export async function withTransientRetry<T>(
  policy: RetryPolicy,
  signal: AbortSignal | undefined,
  call: () => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= policy.attempts || !isTransientKubeError(error) || signal?.aborted) throw error;
      await policy.clock.sleep(backoffDelay(policy.backoff, attempt), signal);
    }
  }
}

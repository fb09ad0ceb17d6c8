/** Seeded fault injection: the same seed and request sequence give the same faults. */
import { ApiError } from './api-error.js';

export type Fault = { kind: 'error'; error: ApiError } | { kind: 'drop' };

/** mulberry32: small, fast, good enough for choosing faults. */
export function createPrng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const RETRYABLE: (() => ApiError)[] = [
  () => new ApiError(429, 'rate_limit_exceeded', 'limit of 3600 requests per hour reached'),
  () => new ApiError(500, 'service_error', 'an internal service error occurred'),
  () => new ApiError(500, 'unknown_error', 'an unknown error occurred'),
  () => new ApiError(503, 'unavailable', 'the service is temporarily unavailable'),
  () => new ApiError(409, 'conflict', 'the resource has changed during the request, please retry'),
  () => new ApiError(504, 'timeout', 'the request timed out'),
];

/** Share of injected faults on mutating requests that lose the answer after doing the work. */
const DROP_SHARE = 0.3;

/**
 * Which faults are injected: `transient` ones, which a client retries through (the default), or
 * `all`, which adds those that fail the step and must be resumed: `locked` (423) on mutating
 * requests, `resource_unavailable` (412, "error during placement") on server creates, and
 * actions that end in `error` (all but server creates and deletes, whose failures come back as
 * request errors on Hetzner).
 */
export type FaultKinds = 'transient' | 'all';

/** Of the faults drawn in mode `all`, the shares of each heavier kind. */
const LOCKED_SHARE = 0.2;
const PLACEMENT_SHARE = 0.3;
const ACTION_FAILURE_SHARE = 0.3;
const ACTIONS_THAT_NEVER_FAIL = new Set(['create_server', 'delete_server']);

export class FaultInjector {
  private readonly random: () => number;

  kinds: FaultKinds = 'transient';

  constructor(
    public rate: number,
    seed: number,
  ) {
    this.random = createPrng(seed);
  }

  /** Decides the fate of one request. Draws from the PRNG only when faults are enabled. */
  decide(mutating: boolean, operationId?: string): Fault | null {
    if (this.rate <= 0) return null;
    if (this.random() >= this.rate) return null;
    if (this.kinds === 'all') {
      if (operationId === 'create_server' && this.random() < PLACEMENT_SHARE) {
        return { kind: 'error', error: new ApiError(412, 'resource_unavailable', 'error during placement') };
      }
      if (mutating && this.random() < LOCKED_SHARE) {
        return {
          kind: 'error',
          error: new ApiError(423, 'locked', 'cannot perform operation because the resource is locked'),
        };
      }
    }
    if (mutating && this.random() < DROP_SHARE) return { kind: 'drop' };
    const pick = RETRYABLE[Math.floor(this.random() * RETRYABLE.length)] ?? RETRYABLE[0];
    return { kind: 'error', error: (pick as () => ApiError)() };
  }

  /** Whether a new action is to end in `error` (mode `all` only). */
  failsAction(command: string): boolean {
    if (this.rate <= 0 || this.kinds !== 'all' || ACTIONS_THAT_NEVER_FAIL.has(command)) return false;
    return this.random() < this.rate * ACTION_FAILURE_SHARE;
  }
}

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

export class FaultInjector {
  private readonly random: () => number;

  constructor(
    public rate: number,
    seed: number,
  ) {
    this.random = createPrng(seed);
  }

  /** Decides the fate of one request. Draws from the PRNG only when faults are enabled. */
  decide(mutating: boolean): Fault | null {
    if (this.rate <= 0) return null;
    if (this.random() >= this.rate) return null;
    if (mutating && this.random() < DROP_SHARE) return { kind: 'drop' };
    const pick = RETRYABLE[Math.floor(this.random() * RETRYABLE.length)] ?? RETRYABLE[0];
    return { kind: 'error', error: (pick as () => ApiError)() };
  }
}

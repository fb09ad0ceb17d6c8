/** Hetzner's token bucket: `limit` requests, refilled continuously at `refillPerSecond`. */
import type { RateBucket } from './types.js';

export interface RateLimitConfig {
  limit: number;
  refillPerSecond: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitConfig = { limit: 3600, refillPerSecond: 1 };

export interface RateDecision {
  allowed: boolean;
  headers: Record<string, string>;
}

/** Refills, then takes one token if there is one. Mutates `bucket`. */
export function takeToken(bucket: RateBucket, config: RateLimitConfig, now: number): RateDecision {
  const elapsed = Math.max(0, now - bucket.updatedAt) / 1000;
  bucket.tokens = Math.min(config.limit, bucket.tokens + elapsed * config.refillPerSecond);
  bucket.updatedAt = now;
  const allowed = bucket.tokens >= 1;
  if (allowed) bucket.tokens -= 1;
  const missing = config.limit - bucket.tokens;
  const secondsToFull = config.refillPerSecond > 0 ? missing / config.refillPerSecond : 0;
  return {
    allowed,
    headers: {
      'RateLimit-Limit': String(config.limit),
      'RateLimit-Remaining': String(Math.floor(bucket.tokens)),
      'RateLimit-Reset': String(Math.ceil(now / 1000 + secondsToFull)),
    },
  };
}

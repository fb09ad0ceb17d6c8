/** The sandbox's runtime knobs (POST /_sandbox/config): validated whole, then applied. */
import type { FaultInjector, FaultKinds } from './faults.js';
import type { RateLimitConfig } from './rate-limit.js';

export interface SandboxConfig {
  speed: number;
  faultRate: number;
  /** Which faults the fault rate injects (faults.ts); default `transient`. */
  faultKinds?: FaultKinds;
  rateLimit: RateLimitConfig;
  /** Every download of the rescue systems comes in corrupt: `xz -t` fails (rescue/commands.ts). */
  corruptDownloads?: boolean;
}

/** What applying a config changes besides the config itself. */
export interface ConfigTargets {
  faults: FaultInjector;
  /** The rate limit changed: the world's bucket is capped at the new limit and saved. */
  capRate(limit: number): void;
}

/** Applies the knobs `input` sets; throws (changing nothing) when one is invalid. */
export function applyConfig(config: SandboxConfig, input: unknown, targets: ConfigTargets): void {
  const body = (input ?? {}) as Partial<SandboxConfig>;
  if (body.speed !== undefined && !(typeof body.speed === 'number' && body.speed >= 0)) {
    throw new Error('speed must be a number >= 0');
  }
  if (
    body.faultRate !== undefined &&
    !(typeof body.faultRate === 'number' && body.faultRate >= 0 && body.faultRate <= 1)
  ) {
    throw new Error('faultRate must be a number between 0 and 1');
  }
  const rl = body.rateLimit;
  if (rl !== undefined && !(rl.limit >= 1 && rl.refillPerSecond >= 0)) {
    throw new Error('rateLimit needs limit >= 1 and refillPerSecond >= 0');
  }
  if (body.faultKinds !== undefined && body.faultKinds !== 'transient' && body.faultKinds !== 'all') {
    throw new Error("faultKinds must be 'transient' or 'all'");
  }
  if (body.corruptDownloads !== undefined && typeof body.corruptDownloads !== 'boolean') {
    throw new Error('corruptDownloads must be a boolean');
  }
  if (body.speed !== undefined) config.speed = body.speed;
  if (body.faultRate !== undefined) {
    config.faultRate = body.faultRate;
    targets.faults.rate = body.faultRate;
  }
  if (body.faultKinds !== undefined) {
    config.faultKinds = body.faultKinds;
    targets.faults.kinds = body.faultKinds;
  }
  if (body.corruptDownloads !== undefined) config.corruptDownloads = body.corruptDownloads;
  if (rl !== undefined) {
    config.rateLimit = { limit: rl.limit, refillPerSecond: rl.refillPerSecond };
    targets.capRate(rl.limit);
  }
}

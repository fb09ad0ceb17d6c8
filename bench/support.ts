/** Small helpers shared by the benchmark scripts. */

/** Median of nanosecond samples, in milliseconds (upper median for an even count). */
export function medianMs(samples: bigint[]): number {
  const sorted = [...samples].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const middle = sorted[Math.floor(sorted.length / 2)];
  return middle === undefined ? NaN : Number(middle) / 1e6;
}

/**
 * The environment for a spawned CLI: no inherited NODE_OPTIONS (a loader or inspector flag from the
 * caller would be timed too), no colour, no Hetzner token (the benchmarks only talk to the sandbox).
 */
export function quietEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  // HK8S_SANDBOX_SEED_IMAGES: the sandbox a bench starts has the Talos snapshots (no image builds).
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NO_COLOR: '1',
    HCLOUD_TOKEN: '',
    HK8S_SANDBOX_SEED_IMAGES: '1',
    ...extra,
  };
  delete env['NODE_OPTIONS'];
  return env;
}

/** Milliseconds since `start` (from `process.hrtime.bigint()`). */
export function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

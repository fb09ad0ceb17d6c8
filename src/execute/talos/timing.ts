/** How long the Talos runner waits for nodes, and how often it looks (no client code: cheap to import). */

export interface TalosTiming {
  pollMs: number;
  /** From server creation until the node answers in maintenance mode. */
  maintenanceTimeoutMs: number;
  /** From the first config until the installed node answers over mTLS. */
  installTimeoutMs: number;
  /** For the cluster to become healthy. */
  healthTimeoutMs: number;
  /** Per call. */
  callTimeoutMs: number;
}

export const REAL_TIMING: TalosTiming = {
  pollMs: 2000,
  maintenanceTimeoutMs: 10 * 60_000,
  installTimeoutMs: 15 * 60_000,
  healthTimeoutMs: 15 * 60_000,
  callTimeoutMs: 20_000,
};

/** Sandbox nodes take their time scaled by the sandbox's speed; so do the waits for them. */
export function scaledTiming(speed: number): TalosTiming {
  const scale = Math.min(1, speed);
  return {
    pollMs: Math.max(20, REAL_TIMING.pollMs * scale),
    maintenanceTimeoutMs: Math.max(20_000, REAL_TIMING.maintenanceTimeoutMs * scale),
    installTimeoutMs: Math.max(20_000, REAL_TIMING.installTimeoutMs * scale),
    healthTimeoutMs: Math.max(20_000, REAL_TIMING.healthTimeoutMs * scale),
    callTimeoutMs: Math.max(3000, REAL_TIMING.callTimeoutMs * scale),
  };
}

/** Public surface of the sandbox (the simulated Hetzner Cloud). */
export {
  startSandboxServer,
  type CloudApi,
  type CloudRequest,
  type CloudResponse,
  type RunningSandbox,
  type SandboxConfig,
  type SandboxOptions,
} from './server.js';
export {
  ensureSandbox,
  resetSandbox,
  sandboxStats,
  sandboxStatus,
  stopSandbox,
  type EnsureOptions,
  type EnsureResult,
  type SandboxStatus,
} from './control.js';
export type { SandboxProcessInfo } from './process-info.js';
export type { SandboxStats } from './stats.js';
export type {
  PowerEvent,
  SandboxHooks,
  SimFloatingIpInfo,
  SimLoadBalancerInfo,
  SimServerInfo,
} from './hooks.js';
export type { RateLimitConfig } from './rate-limit.js';
export { SandboxError } from './errors.js';
export type { PersistMode, PersistStats } from './store.js';
export { DEFAULT_RESCUE_PORT } from './rescue/port.js';
// For harnesses that drive simulated Talos nodes without the HTTP API (hk8s's integration tests).
export {
  TalosSimulator,
  VipController,
  readTalosState,
  type TalosStateSummary,
  type UpgradeRecord,
  type VipRecord,
} from './talos/index.js';
export { KubeSimulator, type ClusterRecord, type KubeStats, type VersionChange } from './kube/index.js';

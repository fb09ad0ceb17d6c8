/**
 * `@hk8s/sandbox/control`: starting, stopping and asking a sandbox process, without loading the
 * simulators (their gRPC and X.509 code) into the caller, which only talks to the process.
 */
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
export type { SandboxStats } from './stats.js';
export { SandboxError } from './errors.js';
export { DEFAULT_RESCUE_PORT } from './rescue/port.js';

/** Public surface of the simulated Talos nodes of the sandbox. */
export {
  TalosSimulator,
  isTalosServer,
  type TalosClusterStats,
  type TalosNodeStats,
  type TalosSimulatorOptions,
  type TalosStats,
} from './simulator.js';
export { TALOS_DURATIONS } from './env.js';
export { readTalosState, type TalosStateSummary } from './stats-file.js';
export type { NodePhase, UpgradeApi, UpgradeRecord } from './state.js';
export { talosSimulatorFromEnv } from './from-env.js';
export type { TalosNodeView, TalosChangeListener } from './observe.js';
export { VipController, isPrivateAddress, type VipRecord, type VipControllerOptions } from './vip.js';
export type { HcloudVip } from './config.js';

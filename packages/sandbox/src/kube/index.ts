/** Public surface of the simulated Kubernetes API servers of the sandbox. */
export { KubeSimulator, type KubeSimulatorOptions, type KubeStats } from './simulator.js';
export type { ClusterRecord, VersionChange, Component } from './record.js';
export { KUBE_DURATIONS } from './context.js';
export { kubeFromEnv } from './from-env.js';

/** What a simulated node needs from the simulator that owns it (shared registry, peers, timing). */
import type { ClusterRegistry } from './registry.js';
import type { NodeStore } from './state.js';
import type { SimNode } from './node.js';
import type { UpgradeFaults } from './upgrade-faults.js';

/** Simulated durations before `speed` scaling, in ms. */
export const TALOS_DURATIONS = {
  /** Power on → apid answers. */
  boot: 20_000,
  /** Config applied in maintenance mode → installed, rebooted, serving mTLS. */
  install: 40_000,
  reboot: 25_000,
  /** Installing a new version before the reboot (legacy Upgrade) or in LifecycleService.Upgrade. */
  upgrade: 45_000,
  reset: 20_000,
  /** Health-check poll interval. */
  healthPoll: 5_000,
} as const;

export interface NodeEnv {
  registry: ClusterRegistry;
  store: NodeStore;
  /** Port every node listens on (Talos: 50000). */
  port: number;
  /** Current speed factor: simulated durations are multiplied by it. */
  speed(): number;
  log(message: string): void;
  /** A node by public or private IP, or by hostname. */
  findNode(target: string): SimNode | undefined;
  nodes(): SimNode[];
  /** Something changed in etcd of this cluster: let control planes join. */
  clusterChanged(clusterId: string): void;
  countCall(serverId: number, method: string): void;
  faults: UpgradeFaults;
}

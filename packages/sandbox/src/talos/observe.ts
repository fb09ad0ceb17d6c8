/**
 * Read-only views of the simulated Talos nodes for other simulators (the Kubernetes API), and the
 * store/registry variants that report every persisted change, so observers see each transition.
 */
import type { MachineConfig } from './config.js';
import { ClusterRegistry } from './registry.js';
import { NodeStore, type NodePhase, type NodeRecord } from './state.js';

export interface TalosNodeView {
  serverId: number;
  /** The server's name. */
  name: string;
  /** What the node calls itself (HostnameConfig, else the server name). */
  hostname: string;
  ip: string | null;
  privateIps: string[];
  arch: 'amd64' | 'arm64';
  phase: NodePhase;
  /** Running Talos version tag. */
  version: string;
  config: MachineConfig | null;
  /** This control plane runs an etcd member of its cluster. */
  etcdMember: boolean;
  /** Its cluster's etcd has been bootstrapped (some member exists). */
  clusterBootstrapped: boolean;
}

/** serverId of the node that changed; undefined when cluster-wide state (etcd membership) changed. */
export type TalosChangeListener = (serverId: number | undefined) => void;

export class ObservedNodeStore extends NodeStore {
  constructor(
    dir: string,
    private readonly onChange: (serverId: number) => void,
  ) {
    super(dir);
  }

  override save(record: NodeRecord): void {
    super.save(record);
    this.onChange(record.serverId);
  }

  override remove(serverId: number): void {
    super.remove(serverId);
    this.onChange(serverId);
  }
}

export class ObservedRegistry extends ClusterRegistry {
  constructor(
    dir: string,
    private readonly onChange: () => void,
  ) {
    super(dir);
  }

  override save(): void {
    super.save();
    this.onChange();
  }
}

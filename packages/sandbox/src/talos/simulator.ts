/**
 * The Talos side of the sandbox: one simulated node per server whose disk holds Talos (written by
 * the rescue system, or from a snapshot of such a disk: disk.ts), listening on the server's own public IPv4 at port 50000 (configurable).
 * Driven by the sandbox hooks; node state survives sandbox restarts (`<stateDir>/talos/`).
 */
import { join } from 'node:path';
import type { PowerEvent, SandboxHooks, SimServerInfo } from '../hooks.js';
import type { NodeEnv } from './env.js';
import { newRecord, SimNode } from './node.js';
import {
  ObservedNodeStore,
  ObservedRegistry,
  type TalosChangeListener,
  type TalosNodeView,
} from './observe.js';
import type { ClusterRecord } from './registry.js';
import type { NodePhase } from './state.js';
import { UpgradeFaults } from './upgrade-faults.js';

export interface TalosSimulatorOptions {
  /** The sandbox's state directory; node files go to `<stateDir>/talos/`. */
  stateDir: string;
  /** Port every node listens on. Default 50000 (Talos's apid port); tests use a high one. */
  port?: number;
  /** Multiplies every simulated duration (boot, install, reboot, upgrade…). A number or a getter. */
  speed?: number | (() => number);
  log?: (message: string) => void;
}

export interface TalosNodeStats {
  serverId: number;
  name: string;
  ip: string | null;
  phase: NodePhase;
  listening: boolean;
  version: string;
  machineType: 'controlplane' | 'worker' | null;
  clusterId: string | null;
  etcdMember: boolean;
  bootCount: number;
  lastError: string | null;
  /** Calls received per RPC name. */
  calls: Record<string, number>;
}

export interface TalosClusterStats {
  id: string;
  name: string;
  bootstrapCalls: number;
  bootstraps: number;
  etcdMembers: { id: string; hostname: string; serverId: number }[];
}

export interface TalosStats {
  port: number;
  nodes: TalosNodeStats[];
  clusters: TalosClusterStats[];
}

/** The server's disk holds Talos; infos built outside the sandbox (no `talos`) say so by image labels. */
export function isTalosServer(server: SimServerInfo): boolean {
  if (server.talos !== undefined) return server.talos !== null;
  return server.image?.labels['os'] === 'talos';
}

export class TalosSimulator {
  readonly hooks: SandboxHooks;
  readonly port: number;
  /** Test faults, driven through the control endpoint (`control`). */
  readonly faults = new UpgradeFaults();
  private readonly nodesById = new Map<number, SimNode>();
  private readonly calls = new Map<number, Record<string, number>>();
  private readonly env: NodeEnv;
  /** Servers announced as restored: their next power-on resumes instead of booting afresh. */
  private readonly restoring = new Set<number>();
  private closed = false;
  private readonly watchers = new Set<TalosChangeListener>();

  constructor(options: TalosSimulatorOptions) {
    const dir = join(options.stateDir, 'talos');
    this.port = options.port ?? 50000;
    const speed = options.speed ?? 1;
    const log = options.log ?? ((message: string) => console.error(message));
    const store = new ObservedNodeStore(dir, (id) => this.notify(id));
    const registry = new ObservedRegistry(dir, () => this.notify(undefined));
    this.env = {
      registry,
      store,
      port: this.port,
      speed: typeof speed === 'function' ? speed : () => speed,
      log,
      findNode: (target) => this.findNode(target),
      nodes: () => [...this.nodesById.values()],
      clusterChanged: (clusterId) => {
        for (const node of this.nodesById.values()) if (node.config?.clusterId === clusterId) node.joinEtcd();
      },
      countCall: (serverId, method) => {
        const byMethod = this.calls.get(serverId) ?? {};
        byMethod[method] = (byMethod[method] ?? 0) + 1;
        this.calls.set(serverId, byMethod);
      },
      faults: this.faults,
    };
    this.hooks = {
      onServerCreated: (server, restored) => this.created(server, restored),
      onServerDeleted: (server) => this.deleted(server),
      onServerPower: (server, event) => this.power(server, event),
    };
  }

  private created(server: SimServerInfo, restored: boolean): void {
    if (this.closed || !isTalosServer(server)) return;
    const existing = this.nodesById.get(server.id);
    if (existing) {
      existing.updateInfo(server);
      return;
    }
    const stored = restored ? this.env.store.load(server.id) : undefined;
    const node = new SimNode(this.env, stored ?? newRecord(server));
    if (stored) node.updateInfo(server);
    else node.save();
    this.nodesById.set(server.id, node);
    if (restored && stored) {
      this.restoring.add(server.id);
      // A server that was off when the sandbox stopped gets no power event: nothing to resume.
      if (server.status !== 'running') this.restoring.delete(server.id);
    }
  }

  private power(server: SimServerInfo, event: PowerEvent): void {
    if (this.closed) return;
    // A disk that Talos was written onto (in rescue) boots Talos from then on.
    if (!this.nodesById.has(server.id) && isTalosServer(server)) this.created(server, false);
    const node = this.nodesById.get(server.id);
    if (!node) return;
    node.updateInfo(server);
    // The rescue system runs instead of the disk: Talos is down until a boot from the disk.
    if (server.rescue) {
      this.restoring.delete(server.id);
      node.powerOff();
      return;
    }
    if (event === 'on' && this.restoring.delete(server.id)) {
      node.resume();
      return;
    }
    node.power(event, server);
  }

  private async deleted(server: SimServerInfo): Promise<void> {
    const node = this.nodesById.get(server.id);
    if (!node) return;
    this.nodesById.delete(server.id);
    this.calls.delete(server.id);
    await node.dispose();
    // Its etcd member (if any) stays in the cluster, as a dead member would on real etcd.
    this.env.store.remove(server.id);
  }

  findNode(target: string): SimNode | undefined {
    for (const node of this.nodesById.values()) {
      if (node.addresses.includes(target) || node.record.name === target || node.hostname === target)
        return node;
    }
    return undefined;
  }

  node(serverId: number): SimNode | undefined {
    return this.nodesById.get(serverId);
  }

  /** Calls `listener` after every persisted change of a node or of etcd membership; returns an unsubscribe. */
  watch(listener: TalosChangeListener): () => void {
    this.watchers.add(listener);
    return () => this.watchers.delete(listener);
  }

  private notify(serverId: number | undefined): void {
    for (const listener of this.watchers) {
      try {
        listener(serverId);
      } catch (error) {
        this.env.log(`talos: change listener failed: ${(error as Error).message}`);
      }
    }
  }

  /** Read-only views of every node (for the Kubernetes simulation). */
  nodeViews(): TalosNodeView[] {
    return [...this.nodesById.values()].map((node) => {
      const cluster = node.config ? this.env.registry.find(node.config.clusterId) : undefined;
      return {
        serverId: node.id,
        name: node.record.name,
        hostname: node.hostname,
        ip: node.record.ip,
        privateIps: [...node.record.privateIps],
        arch: node.record.arch,
        phase: node.record.phase,
        version: node.record.version,
        config: node.config,
        etcdMember: node.etcdRunning(),
        clusterBootstrapped: (cluster?.members.length ?? 0) > 0,
      };
    });
  }

  /** Server ids of a cluster's etcd members, in the order they joined. */
  etcdMemberOrder(clusterId: string): number[] {
    return (this.env.registry.find(clusterId)?.members ?? []).map((m) => m.serverId);
  }

  stats(): TalosStats {
    const { registry } = this.env;
    const nodes = [...this.nodesById.values()].map((node) => nodeStats(node, this.calls.get(node.id) ?? {}));
    return { port: this.port, nodes, clusters: registry.all().map(clusterStats) };
  }

  /** Stops every listener and timer (state stays on disk). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.nodesById.values()].map((node) => node.dispose()));
    this.nodesById.clear();
  }
}

function nodeStats(node: SimNode, calls: Record<string, number>): TalosNodeStats {
  const r = node.record;
  return {
    serverId: r.serverId,
    name: r.name,
    ip: r.ip,
    phase: r.phase,
    listening: node.listening,
    version: r.version,
    machineType: node.config?.type ?? null,
    clusterId: node.config?.clusterId ?? null,
    etcdMember: node.etcdRunning(),
    bootCount: r.bootCount,
    lastError: r.lastError,
    calls: { ...calls },
  };
}

export function clusterStats(cluster: ClusterRecord): TalosClusterStats {
  return {
    id: cluster.id,
    name: cluster.name,
    bootstrapCalls: cluster.bootstrapCalls,
    bootstraps: cluster.bootstraps,
    etcdMembers: cluster.members.map((m) => ({ id: m.id, hostname: m.hostname, serverId: m.serverId })),
  };
}

/**
 * The Kubernetes side of the sandbox: one simulated API server per Talos cluster, fed by the Talos
 * simulator's node changes and the cloud's load balancers, persisted under `<stateDir>/kube/`.
 * Control endpoints: GET /_sandbox/kube (per-cluster record), POST /_sandbox/kube/reset.
 */
import type { SandboxHooks, SimFloatingIpInfo, SimLoadBalancerInfo } from '../hooks.js';
import type { ControlExtension } from '../server.js';
import type { TalosNodeView } from '../talos/observe.js';
import type { TalosSimulator } from '../talos/simulator.js';
import { KubeCluster } from './cluster.js';
import type { ClusterRecord } from './record.js';

export interface KubeSimulatorOptions {
  stateDir: string;
  talos: TalosSimulator;
  /** Port of every API endpoint; default 6443. */
  port?: number;
  speed?: number | (() => number);
  log?: (message: string) => void;
}

export interface KubeStats {
  port: number;
  clusters: ClusterRecord[];
}

export class KubeSimulator {
  readonly hooks: SandboxHooks;
  readonly control: ControlExtension;
  readonly port: number;
  private readonly clusters = new Map<string, KubeCluster>();
  private loadBalancers: SimLoadBalancerInfo[] = [];
  private floatingIps: SimFloatingIpInfo[] = [];
  private readonly unsubscribe: () => void;
  private pending: NodeJS.Immediate | undefined;
  private closed = false;
  private readonly speed: () => number;
  private readonly log: (message: string) => void;

  constructor(private readonly options: KubeSimulatorOptions) {
    this.port = options.port ?? 6443;
    const speed = options.speed ?? 1;
    this.speed = typeof speed === 'function' ? speed : () => speed;
    this.log = options.log ?? ((message: string) => console.error(message));
    this.unsubscribe = options.talos.watch(() => this.schedule());
    this.hooks = {
      onLoadBalancers: (loadBalancers) => {
        this.loadBalancers = loadBalancers;
        this.schedule();
      },
      onFloatingIps: (floatingIps) => {
        this.floatingIps = floatingIps;
        this.schedule();
      },
    };
    this.control = (method, path) => this.controlRequest(method, path);
    this.schedule();
  }

  private schedule(): void {
    if (this.closed || this.pending) return;
    this.pending = setImmediate(() => {
      this.pending = undefined;
      this.refresh();
    });
  }

  /** Hands every cluster its current nodes and the load balancers. */
  refresh(): void {
    if (this.closed) return;
    const byCluster = new Map<string, TalosNodeView[]>();
    for (const view of this.options.talos.nodeViews()) {
      const id = view.config?.clusterId;
      if (id === undefined) continue;
      byCluster.set(id, [...(byCluster.get(id) ?? []), view]);
    }
    for (const [id, views] of byCluster) {
      if (this.clusters.has(id)) continue;
      const name = views.find((v) => v.config)?.config?.clusterName ?? id;
      this.clusters.set(
        id,
        new KubeCluster(id, name, {
          stateDir: this.options.stateDir,
          port: this.port,
          speed: this.speed,
          log: this.log,
        }),
      );
    }
    for (const [id, cluster] of this.clusters) {
      cluster.update(byCluster.get(id) ?? [], {
        loadBalancers: this.loadBalancers,
        floatingIps: this.floatingIps,
      });
    }
  }

  cluster(idOrName: string): KubeCluster | undefined {
    return this.clusters.get(idOrName) ?? [...this.clusters.values()].find((c) => c.name === idOrName);
  }

  stats(): KubeStats {
    return { port: this.port, clusters: [...this.clusters.values()].map((c) => c.record()) };
  }

  private controlRequest(method: string, path: string): { status: number; body: unknown } | undefined {
    if (method === 'GET' && path === '/_sandbox/kube') return { status: 200, body: this.stats() };
    if (method === 'POST' && path === '/_sandbox/kube/reset') {
      for (const c of this.clusters.values()) c.resetRecord();
      return { status: 200, body: { ok: true } };
    }
    return undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe();
    if (this.pending) clearImmediate(this.pending);
    await Promise.all([...this.clusters.values()].map((c) => c.close()));
  }
}

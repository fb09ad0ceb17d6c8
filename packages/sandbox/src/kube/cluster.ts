/**
 * One simulated Kubernetes cluster (one per Talos cluster id): its object store, the kubelets of
 * its Talos nodes (Node registration and status, mirror pods), the bootstrap manifests, the
 * controllers, its API endpoints (control planes and load balancers) and its test record.
 */
import { join } from 'node:path';
import type { SimFloatingIpInfo, SimLoadBalancerInfo } from '../hooks.js';
import type { TalosNodeView } from '../talos/observe.js';
import { handleApi, type ApiRequest, type ApiResponse } from './api.js';
import { KUBE_DURATIONS, TYPES, isoSeconds, putIfChanged, type ControllerContext } from './context.js';
import { ApiListeners } from './listeners.js';
import { defaultFacts, kubeFacts, type KubeFacts } from './machine.js';
import { nodesWithCni } from './cni.js';
import { desiredNode, isControlPlaneNode, isNodeReady, isUnschedulable, markNotReady } from './nodes.js';
import { Objects } from './objects.js';
import { collectGarbage, finishNamespaces, runKubelets, schedulePods, syncBudgets } from './pods.js';
import { ResourceCatalog } from './resources.js';
import { ClusterRecorder, type ClusterRecord, type DisruptionCounts } from './record.js';
import { ObjectStore } from './store.js';
import {
  CONFIG_VERSION_ANNOTATION,
  MIRROR_ANNOTATION,
  STATIC_PODS,
  applyBootstrapManifests,
  ensureNamespaces,
  mirrorHash,
  mirrorPod,
  mirrorPodName,
} from './system.js';
import { type KubeObject } from './types.js';
import { syncDaemonSets, syncDeployments, syncReplicaSets } from './workloads.js';
import { syncCloudController, syncHelmCharts, syncJobs } from './helm.js';
import { syncReleases } from './releases.js';

/** What of the cloud the API endpoints depend on. */
export interface CloudAddresses {
  loadBalancers: SimLoadBalancerInfo[];
  floatingIps: SimFloatingIpInfo[];
}

export interface ClusterEnv {
  stateDir: string;
  port: number;
  speed(): number;
  log(message: string): void;
}

interface Member {
  view: TalosNodeView;
  facts: KubeFacts;
  kubeletRuns: boolean;
  apiUp: boolean;
}

const MAX_PASSES = 8;

export function kubeletRuns(view: TalosNodeView): boolean {
  return (
    view.config !== null &&
    view.clusterBootstrapped &&
    (view.phase === 'running' || view.phase === 'upgrading')
  );
}

export class KubeCluster {
  readonly store: ObjectStore;
  readonly objects: Objects;
  readonly recorder = new ClusterRecorder();
  private readonly listeners: ApiListeners;
  private members: Member[] = [];
  private loadBalancers: SimLoadBalancerInfo[] = [];
  private floatingIps: SimFloatingIpInfo[] = [];
  private readonly scheduledAt = new Map<string, number>();
  /** serverId → when its Node object was found deleted while the kubelet ran. */
  private readonly deletedAt = new Map<number, number>();
  private readonly registered = new Map<number, string>();
  private readonly lastKubelet = new Map<number, boolean>();
  /** Uids of the Nodes seen Ready (in memory). */
  private readonly everReady = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private pending: NodeJS.Immediate | undefined;
  private reconciling = false;
  private roundRobin = 0;
  private closed = false;

  constructor(
    readonly id: string,
    public name: string,
    private readonly env: ClusterEnv,
  ) {
    const safe = id.replace(/[^A-Za-z0-9_-]/g, '_');
    this.store = new ObjectStore(join(env.stateDir, 'kube', `${safe}.json`));
    this.objects = new Objects(
      this.store,
      new ResourceCatalog(),
      () => Date.now(),
      () => this.poke(),
    );
    this.objects.refreshCrds();
    this.listeners = new ApiListeners(env.port, (address, request) => this.answer(address, request), env.log);
  }

  /** New facts from Talos and the cloud; reconciles soon. */
  update(views: TalosNodeView[], cloud: CloudAddresses): void {
    this.members = views.map((view) => {
      const config = view.config;
      const facts = config ? kubeFacts(config, view.version) : undefined;
      const runs = facts !== undefined && kubeletRuns(view);
      return {
        view,
        facts: facts ?? defaultFacts(view.version),
        kubeletRuns: runs,
        apiUp: runs && config?.type === 'controlplane' && view.etcdMember && config.k8sCa.key !== '',
      };
    });
    this.loadBalancers = cloud.loadBalancers;
    this.floatingIps = cloud.floatingIps;
    const ca = this.members.find((m) => m.view.config?.k8sCa.key)?.view.config?.k8sCa;
    if (ca) this.name = this.members.find((m) => m.view.config)?.view.config?.clusterName ?? this.name;
    const { wanted, sans } = this.endpoints();
    void this.listeners.update(wanted, sans, ca);
    this.poke();
  }

  get hasMembers(): boolean {
    return this.members.length > 0;
  }

  /** Addresses to serve now, and every address the certificate should name. */
  private endpoints(): { wanted: string[]; sans: string[] } {
    const cps = this.members.filter((m) => m.view.config?.type === 'controlplane');
    const wanted = cps.filter((m) => m.apiUp && m.view.ip).map((m) => m.view.ip ?? '');
    const sans = cps.map((m) => m.view.ip).filter((ip): ip is string => ip !== null);
    for (const lb of this.loadBalancers) {
      if (!lb.publicIpv4 || this.lbTargets(lb).length === 0) continue;
      sans.push(lb.publicIpv4);
      if (this.lbTargets(lb).some((m) => m.apiUp)) wanted.push(lb.publicIpv4);
    }
    // A floating IP is named in the certificate only if the configs ask for it, as the real API
    // server's certificate holds the configured certSANs: a kubeconfig pointing at a floating IP
    // the configs forgot fails TLS verification, as it would on Hetzner.
    const named = new Set(cps.flatMap((m) => m.view.config?.certSans ?? []));
    for (const fip of this.floatingIps) {
      if (!this.floatingIpHolder(fip)) continue;
      if (named.has(fip.ip)) sans.push(fip.ip);
      if (this.floatingIpHolder(fip)?.apiUp) wanted.push(fip.ip);
    }
    return { wanted, sans };
  }

  /**
   * The control plane a floating IP reaches: the one it is assigned to, if that node carries the
   * address (an HCloudVIPConfig for it, as Talos adds the VIP to its link when it leads).
   */
  private floatingIpHolder(fip: SimFloatingIpInfo): Member | undefined {
    if (fip.serverId === null) return undefined;
    return this.members.find(
      (m) =>
        m.view.serverId === fip.serverId &&
        m.view.config?.type === 'controlplane' &&
        m.view.config.vips.some((v) => v.ip === fip.ip),
    );
  }

  /** Control planes of this cluster behind `lb`'s API service (listen and destination port = ours). */
  private lbTargets(lb: SimLoadBalancerInfo): Member[] {
    const service = lb.services.find(
      (s) => s.protocol === 'tcp' && s.listenPort === this.env.port && s.destinationPort === this.env.port,
    );
    if (!service) return [];
    return this.members.filter(
      (m) => m.view.config?.type === 'controlplane' && lb.targetServerIds.includes(m.view.serverId),
    );
  }

  /** The instance answering on `address`: that control plane, or one of the load balancer's live targets. */
  private backendFor(address: string): Member | undefined {
    const direct = this.members.find((m) => m.view.ip === address);
    if (direct) return direct.apiUp ? direct : undefined;
    const fip = this.floatingIps.find((f) => f.ip === address);
    if (fip) {
      const holder = this.floatingIpHolder(fip);
      return holder?.apiUp ? holder : undefined;
    }
    const lb = this.loadBalancers.find((l) => l.publicIpv4 === address);
    const up = lb ? this.lbTargets(lb).filter((m) => m.apiUp) : [];
    if (up.length === 0) return undefined;
    this.roundRobin = (this.roundRobin + 1) % up.length;
    return up[this.roundRobin];
  }

  private answer(address: string, request: ApiRequest): ApiResponse | undefined {
    const backend = this.backendFor(address);
    if (!backend) return undefined;
    return handleApi(
      {
        objects: this.objects,
        gitVersion: backend.facts.apiServerVersion,
        serverAddress: `${address}:${this.env.port}`,
        now: () => Date.now(),
      },
      request,
    );
  }

  poke(): void {
    if (this.closed || this.reconciling || this.pending) return;
    this.pending = setImmediate(() => {
      this.pending = undefined;
      this.reconcile();
    });
  }

  private context(): ControllerContext {
    return { objects: this.objects, now: Date.now(), speed: this.env.speed(), scheduledAt: this.scheduledAt };
  }

  reconcile(): void {
    if (this.closed) return;
    this.reconciling = true;
    try {
      const apiUp = this.members.some((m) => m.apiUp);
      // Controllers run in the control planes: nothing moves while no API server runs.
      if (apiUp) {
        for (let pass = 0; pass < MAX_PASSES; pass++) if (!this.pass()) break;
      }
      this.recorder.observe(
        this.members.map((m) => ({ ...m, node: this.nodeOf(m) })),
        this.disruption(),
        new Date().toISOString(),
      );
    } catch (error) {
      this.env.log(
        `kube: cluster ${this.name}: reconcile failed: ${(error as Error).stack ?? String(error)}`,
      );
    } finally {
      this.reconciling = false;
    }
    clearTimeout(this.timer);
    if (!this.closed)
      this.timer = setTimeout(() => this.reconcile(), Math.max(20, KUBE_DURATIONS.resync * this.env.speed()));
  }

  private pass(): boolean {
    const ctx = this.context();
    let changed = ensureNamespaces(ctx);
    changed = this.syncNodes(ctx) || changed;
    if (!this.store.bootstrapped) {
      const first = this.members.find((m) => m.apiUp);
      if (first) {
        applyBootstrapManifests(ctx, first.facts);
        this.store.markBootstrapped();
        changed = true;
      }
    }
    changed = this.syncMirrorPods(ctx) || changed;
    changed = syncDeployments(ctx) || changed;
    changed = syncReplicaSets(ctx) || changed;
    changed = syncDaemonSets(ctx) || changed;
    changed = syncHelmCharts(ctx) || changed;
    changed = syncJobs(ctx) || changed;
    changed = syncReleases(ctx) || changed;
    changed =
      syncCloudController(ctx, (name) => this.members.find((m) => m.view.hostname === name)?.view.serverId) ||
      changed;
    changed = schedulePods(ctx) || changed;
    changed =
      runKubelets(ctx, (name) => this.members.some((m) => m.kubeletRuns && m.view.hostname === name)) ||
      changed;
    changed = collectGarbage(ctx) || changed;
    changed = finishNamespaces(ctx) || changed;
    changed = syncBudgets(ctx) || changed;
    return changed;
  }

  private nodeOf(member: Member): KubeObject | undefined {
    return this.objects.find(TYPES.nodes, undefined, member.view.hostname);
  }

  /** The kubelets: register, re-register after a deletion (with a delay), post status (Ready once a CNI runs). */
  private syncNodes(ctx: ControllerContext): boolean {
    let changed = false;
    const now = isoSeconds(ctx.now);
    const claimed = new Set<string>();
    const withCni = nodesWithCni(ctx.objects.list(TYPES.pods));
    for (const m of this.members) {
      if (!m.view.config) continue;
      const id = m.view.serverId;
      const existing = this.nodeOf(m);
      const restarted = m.kubeletRuns && this.lastKubelet.get(id) !== true;
      this.lastKubelet.set(id, m.kubeletRuns);
      if (existing) claimed.add(existing.metadata.name);
      if (!existing) {
        if (!m.kubeletRuns) continue;
        if (this.registered.has(id) && !restarted) {
          const since = this.deletedAt.get(id) ?? ctx.now;
          this.deletedAt.set(id, since);
          if (ctx.now < since + KUBE_DURATIONS.nodeReregister * ctx.speed) continue;
        }
        this.deletedAt.delete(id);
        const node = ctx.objects.createAs(
          TYPES.nodes,
          desiredNode(undefined, { view: m.view, facts: m.facts, ready: true, networkReady: false, now }),
          'kubelet',
        );
        this.registered.set(id, node.metadata.uid);
        claimed.add(node.metadata.name);
        changed = true;
        continue;
      }
      this.registered.set(id, existing.metadata.uid);
      if (!m.kubeletRuns) {
        changed =
          markNotReady(ctx, existing, `kubelet is not running: the Talos node is ${m.view.phase}`) || changed;
        continue;
      }
      const networkReady = withCni.has(existing.metadata.name);
      const next = desiredNode(existing, { view: m.view, facts: m.facts, ready: true, networkReady, now });
      changed = putIfChanged(ctx, TYPES.nodes, existing, next) || changed;
    }
    for (const node of ctx.objects.list(TYPES.nodes)) {
      if (!claimed.has(node.metadata.name))
        changed = markNotReady(ctx, node, 'Kubelet stopped posting node status.') || changed;
    }
    return changed;
  }

  /** Each static pod follows its image in the node's config: a new definition restarts it. */
  private syncMirrorPods(ctx: ControllerContext): boolean {
    let changed = false;
    for (const m of this.members) {
      if (!m.kubeletRuns || m.view.config?.type !== 'controlplane') continue;
      const node = this.nodeOf(m);
      if (!node) continue;
      for (const component of STATIC_PODS) {
        const live = ctx.objects.find(TYPES.pods, 'kube-system', mirrorPodName(component, node));
        if (live?.metadata.deletionTimestamp) continue;
        if (live && live.metadata.annotations?.[MIRROR_ANNOTATION] === mirrorHash(component, m.facts))
          continue;
        const previous = Number(live?.metadata.annotations?.[CONFIG_VERSION_ANNOTATION] ?? 0);
        if (live) ctx.objects.removeNow(TYPES.pods, live);
        const next = Number.isFinite(previous) ? previous + 1 : 1;
        ctx.objects.createAs(TYPES.pods, mirrorPod(node, component, m.facts, next), 'kubelet');
        changed = true;
      }
    }
    return changed;
  }

  /** Counts for the maxima: a node that was never Ready (joining, no CNI yet) is not unavailable. */
  private disruption(): DisruptionCounts {
    const nodes = this.objects.list(TYPES.nodes);
    for (const n of nodes) if (isNodeReady(n)) this.everReady.add(n.metadata.uid);
    const known = nodes.filter((n) => this.everReady.has(n.metadata.uid));
    return {
      notReady: known.filter((n) => !isNodeReady(n)).length,
      unavailable: known.filter((n) => !isNodeReady(n) || isUnschedulable(n)).length,
      schedulableWorkers: nodes.filter((n) => isNodeReady(n) && !isUnschedulable(n) && !isControlPlaneNode(n))
        .length,
    };
  }

  private nodeCounts(): { notReady: number; unavailable: number; total: number } {
    const nodes = this.objects.list(TYPES.nodes);
    const notReady = nodes.filter((n) => !isNodeReady(n)).length;
    const unavailable = nodes.filter((n) => !isNodeReady(n) || isUnschedulable(n)).length;
    return { notReady, unavailable, total: nodes.length };
  }

  record(): ClusterRecord {
    return this.recorder.snapshot(this.id, this.name, this.listeners.addresses, this.nodeCounts());
  }

  resetRecord(): void {
    this.recorder.reset(this.disruption());
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    if (this.pending) clearImmediate(this.pending);
    await this.listeners.close();
    this.store.flush();
  }
}

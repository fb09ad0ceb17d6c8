/**
 * An in-memory KubeApi for the operation tests: nodes, pods, PodDisruptionBudgets with a plain
 * `disruptionsAllowed` counter, the Eviction API's answers (201 / 429 / 404 / 500 for two budgets),
 * pods that linger while terminating, a call log, hooks and injected failures. Plus a fake clock.
 */
import type {
  ApplyOptions,
  CallOptions,
  DeleteObjectOptions,
  EvictionOutcome,
  KubeApi,
  KubeObject,
  NodeObject,
  ObjectRef,
  PdbObject,
  PodObject,
  PodQuery,
  ServerVersion,
} from '../../../src/providers/kube/api.js';
import type { Clock } from '../../../src/providers/kube/clock.js';
import { selectorMatches } from '../../../src/providers/kube/budgets.js';
import { KubeApiError } from '../../../src/providers/kube/errors.js';

export class FakeClock implements Clock {
  time = 0;
  readonly sleeps: number[] = [];

  now(): number {
    return this.time;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.sleeps.push(ms);
    this.time += ms;
    // Let other pending work (concurrent evictions) run, as a real timer would.
    await new Promise<void>((resolve) => setImmediate(resolve));
    signal?.throwIfAborted();
  }
}

type Method = keyof KubeApi;

export interface NodeSpec {
  ready?: boolean | 'Unknown';
  reason?: string;
  message?: string;
  unschedulable?: boolean;
  kubeletVersion?: string;
  labels?: Record<string, string>;
}

export function node(name: string, spec: NodeSpec = {}): NodeObject {
  const ready = spec.ready ?? true;
  const status = ready === 'Unknown' ? 'Unknown' : ready ? 'True' : 'False';
  return {
    metadata: { name, uid: `uid-node-${name}`, labels: { 'kubernetes.io/hostname': name, ...spec.labels } },
    spec: {
      ...(spec.unschedulable ? { unschedulable: true } : {}),
      providerID: `hcloud://${name.length}`,
      taints: [],
    },
    status: {
      conditions: [
        { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory' },
        {
          type: 'Ready',
          status,
          reason: spec.reason ?? (status === 'True' ? 'KubeletReady' : 'KubeletNotReady'),
          ...(spec.message ? { message: spec.message } : {}),
        },
      ],
      addresses: [
        { type: 'InternalIP', address: '10.0.1.2' },
        { type: 'Hostname', address: name },
      ],
      nodeInfo: { kubeletVersion: spec.kubeletVersion ?? 'v1.36.3', osImage: 'Talos (v1.13.9)' },
    },
  };
}

export interface PodSpec {
  node: string;
  owner?: { kind: string; name: string } | 'none';
  labels?: Record<string, string>;
  mirror?: boolean;
  emptyDir?: boolean;
  phase?: string;
  ready?: boolean;
  deleting?: boolean;
}

export function pod(namespace: string, name: string, spec: PodSpec): PodObject {
  const owner = spec.owner ?? { kind: 'ReplicaSet', name: `${name}-rs` };
  return {
    metadata: {
      namespace,
      name,
      uid: `uid-${namespace}-${name}`,
      labels: spec.labels ?? { app: name },
      ...(spec.mirror ? { annotations: { 'kubernetes.io/config.mirror': 'abc123' } } : {}),
      ...(owner === 'none'
        ? {}
        : {
            ownerReferences: [
              { apiVersion: 'apps/v1', kind: owner.kind, name: owner.name, controller: true },
            ],
          }),
      ...(spec.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: { nodeName: spec.node, volumes: spec.emptyDir ? [{ name: 'cache', emptyDir: {} }] : [] },
    status: {
      phase: spec.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: spec.ready === false ? 'False' : 'True' }],
    },
  };
}

export function pdb(
  namespace: string,
  name: string,
  spec: { matchLabels?: Record<string, string>; minAvailable?: number; allowed: number; healthy?: number },
): PdbObject {
  const desired = spec.minAvailable ?? 1;
  return {
    metadata: { namespace, name },
    spec: {
      minAvailable: desired,
      ...(spec.matchLabels ? { selector: { matchLabels: spec.matchLabels } } : {}),
    },
    status: {
      disruptionsAllowed: spec.allowed,
      desiredHealthy: desired,
      currentHealthy: spec.healthy ?? desired + spec.allowed,
      expectedPods: spec.healthy ?? desired + spec.allowed,
    },
  };
}

const key = (namespace: string, name: string) => `${namespace}/${name}`;

export class FakeKube implements KubeApi {
  readonly nodes = new Map<string, NodeObject>();
  readonly pods = new Map<string, PodObject>();
  readonly pdbs: PdbObject[] = [];
  readonly applied: Array<{ object: KubeObject; options: ApplyOptions }> = [];
  readonly deleted: ObjectRef[] = [];
  readonly calls: string[] = [];
  /** listPods calls an evicted pod survives (terminating) before it disappears. */
  lingerLists = 1;
  /** Pods that, once evicted, never finish terminating. */
  readonly stuck = new Set<string>();
  serverVersion: ServerVersion = { major: '1', minor: '36', gitVersion: 'v1.36.3' };
  private readonly terminating = new Map<string, number>();
  private readonly failures: Array<{ method: Method; error: Error }> = [];
  private readonly hooks: Array<{ method: Method; fn: (count: number) => void }> = [];
  private readonly counts = new Map<Method, number>();

  constructor(init: { nodes?: NodeObject[]; pods?: PodObject[]; pdbs?: PdbObject[] } = {}) {
    for (const n of init.nodes ?? []) this.nodes.set(n.metadata.name, n);
    for (const p of init.pods ?? []) this.pods.set(key(p.metadata.namespace, p.metadata.name), p);
    this.pdbs.push(...(init.pdbs ?? []));
  }

  /** The next call of `method` throws `error` (queued, in order). */
  failNext(method: Method, error: Error): void {
    this.failures.push({ method, error });
  }

  /** Runs `fn(count)` before every call of `method` (count from 1). */
  on(method: Method, fn: (count: number) => void): void {
    this.hooks.push({ method, fn });
  }

  count(method: Method): number {
    return this.counts.get(method) ?? 0;
  }

  private enter(method: Method, detail: string, call?: CallOptions): void {
    call?.signal?.throwIfAborted();
    const count = this.count(method) + 1;
    this.counts.set(method, count);
    this.calls.push(`${method} ${detail}`.trim());
    for (const hook of this.hooks) if (hook.method === method) hook.fn(count);
    const index = this.failures.findIndex((f) => f.method === method);
    if (index >= 0) {
      const [failure] = this.failures.splice(index, 1);
      if (failure) throw failure.error;
    }
  }

  async listNodes(query: { labelSelector?: string } = {}, call?: CallOptions): Promise<NodeObject[]> {
    this.enter('listNodes', query.labelSelector ?? '', call);
    return structuredClone([...this.nodes.values()]);
  }

  async getNode(name: string, call?: CallOptions): Promise<NodeObject | undefined> {
    this.enter('getNode', name, call);
    const found = this.nodes.get(name);
    return found ? structuredClone(found) : undefined;
  }

  async setUnschedulable(name: string, unschedulable: boolean, call?: CallOptions): Promise<NodeObject> {
    this.enter('setUnschedulable', `${name} ${unschedulable}`, call);
    const found = this.nodes.get(name);
    if (!found) throw new KubeApiError('kube.not-found', `nodes "${name}" not found`, { status: 404 });
    found.spec = { ...found.spec, unschedulable };
    if (!unschedulable) delete found.spec.unschedulable;
    return structuredClone(found);
  }

  async deleteNode(name: string, call?: CallOptions): Promise<'deleted' | 'not-found'> {
    this.enter('deleteNode', name, call);
    return this.nodes.delete(name) ? 'deleted' : 'not-found';
  }

  async listPods(query: PodQuery = {}, call?: CallOptions): Promise<PodObject[]> {
    this.enter('listPods', query.nodeName ?? '', call);
    this.advanceTermination();
    return structuredClone(
      [...this.pods.values()].filter(
        (p) =>
          (query.nodeName === undefined || p.spec?.nodeName === query.nodeName) &&
          (query.namespace === undefined || p.metadata.namespace === query.namespace),
      ),
    );
  }

  async evictPod(
    target: { namespace: string; name: string },
    _options = {},
    call?: CallOptions,
  ): Promise<EvictionOutcome> {
    this.enter('evictPod', key(target.namespace, target.name), call);
    const found = this.pods.get(key(target.namespace, target.name));
    if (!found) return { kind: 'gone' };
    const phase = found.status?.phase;
    if (
      found.metadata.deletionTimestamp ||
      phase === 'Succeeded' ||
      phase === 'Failed' ||
      phase === 'Pending'
    ) {
      this.startTermination(found);
      return { kind: 'evicted' };
    }
    const budgets = this.pdbs.filter(
      (b) =>
        b.metadata.namespace === target.namespace &&
        selectorMatches(b.spec?.selector, found.metadata.labels ?? {}),
    );
    if (budgets.length > 1) {
      throw new KubeApiError(
        'kube.api',
        'evict pod: HTTP 500: This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
        { status: 500 },
      );
    }
    const [budget] = budgets;
    if (budget?.status) {
      const allowed = budget.status.disruptionsAllowed ?? 0;
      if (allowed <= 0) {
        return {
          kind: 'blocked',
          reason: 'disruption-budget',
          message: `Cannot evict pod as it would violate the pod's disruption budget. The disruption budget ${budget.metadata.name} needs ${budget.status.desiredHealthy} healthy pods and has ${budget.status.currentHealthy} currently`,
        };
      }
      budget.status.disruptionsAllowed = allowed - 1;
      budget.status.currentHealthy = (budget.status.currentHealthy ?? 1) - 1;
    }
    this.startTermination(found);
    return { kind: 'evicted' };
  }

  async listPodDisruptionBudgets(namespace: string, call?: CallOptions): Promise<PdbObject[]> {
    this.enter('listPodDisruptionBudgets', namespace, call);
    return structuredClone(this.pdbs.filter((b) => b.metadata.namespace === namespace));
  }

  async apply(object: KubeObject, options: ApplyOptions, call?: CallOptions): Promise<KubeObject> {
    this.enter('apply', `${object.kind} ${object.metadata.name}`, call);
    this.applied.push({ object: structuredClone(object), options });
    return {
      ...structuredClone(object),
      metadata: { ...object.metadata, uid: `uid-${object.metadata.name}` },
    };
  }

  async deleteObject(
    ref: ObjectRef,
    _options: DeleteObjectOptions = {},
    call?: CallOptions,
  ): Promise<'deleted' | 'not-found'> {
    this.enter('deleteObject', `${ref.kind} ${ref.name}`, call);
    const index = this.applied.findIndex(
      (a) => a.object.kind === ref.kind && a.object.metadata.name === ref.name,
    );
    if (index < 0) return 'not-found';
    this.applied.splice(index, 1);
    this.deleted.push(ref);
    return 'deleted';
  }

  async getObject(ref: ObjectRef, call?: CallOptions): Promise<KubeObject | undefined> {
    this.enter('getObject', `${ref.kind} ${ref.name}`, call);
    const found = this.applied.find(
      (a) =>
        a.object.kind === ref.kind &&
        a.object.metadata.name === ref.name &&
        (a.object.metadata.namespace ?? undefined) === (ref.namespace ?? undefined),
    );
    return found ? structuredClone(found.object) : undefined;
  }

  async version(call?: CallOptions): Promise<ServerVersion> {
    this.enter('version', '', call);
    return { ...this.serverVersion };
  }

  /** Budget relaxed by its owner (or a new replica became healthy elsewhere). */
  relax(namespace: string, name: string, allowed = 1): void {
    const budget = this.pdbs.find((b) => b.metadata.namespace === namespace && b.metadata.name === name);
    if (!budget?.status) throw new Error(`no budget ${namespace}/${name}`);
    budget.status.disruptionsAllowed = allowed;
  }

  private startTermination(target: PodObject): void {
    const k = key(target.metadata.namespace, target.metadata.name);
    target.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
    if (!this.terminating.has(k)) this.terminating.set(k, this.lingerLists);
  }

  private advanceTermination(): void {
    for (const [k, left] of this.terminating) {
      if (this.stuck.has(k)) continue;
      if (left <= 0) {
        this.pods.delete(k);
        this.terminating.delete(k);
      } else {
        this.terminating.set(k, left - 1);
      }
    }
  }
}

/**
 * Pod lifecycle around the workload controllers: the scheduler (schedulable nodes whose taints a
 * pod tolerates, fewest pods first), the kubelet (Pending → Running/Ready, only host-network and
 * CNI pods before a CNI runs, readiness following the node, graceful termination), garbage collection of orphans (ownerReferences to
 * vanished owners, pods bound to vanished nodes), terminating namespaces, and PDB status.
 */
import { isCniAgent } from './cni.js';
import { isNodeReady, isUnschedulable, untoleratedTaints } from './nodes.js';
import { computePdbStatus, controllerOf } from './pdb.js';
import { apiVersionOf, type ResourceType } from './resources.js';
import { clone, isoSeconds, KUBE_DURATIONS, putIfChanged, TYPES, type ControllerContext } from './context.js';
import {
  asArray,
  asObject,
  jsonEqual,
  type JsonObject,
  type KubeObject,
  type OwnerReference,
} from './types.js';

const spec = (o: KubeObject) => asObject(o['spec']);
const status = (o: KubeObject) => asObject(o['status']);

function internalIp(node: KubeObject): string {
  const a = asArray(status(node)['addresses'])
    .map(asObject)
    .find((x) => x['type'] === 'InternalIP');
  return String(a?.['address'] ?? '');
}

function podIp(pod: KubeObject): string {
  const n = parseInt(pod.metadata.uid.replace(/-/g, '').slice(0, 6), 16);
  return `10.244.${(n >> 8) % 256}.${(n % 253) + 2}`;
}

const DEFAULT_TOLERATIONS: JsonObject[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
];

/** Pods that start on a node whose network is not ready yet: host-network pods and the CNI itself. */
function startsWithoutCni(pod: KubeObject): boolean {
  return spec(pod)['hostNetwork'] === true || isCniAgent(pod);
}

export function schedulePods(ctx: ControllerContext): boolean {
  let changed = false;
  const nodes = ctx.objects.list(TYPES.nodes);
  const pods = ctx.objects.list(TYPES.pods);
  const load = new Map<string, number>();
  for (const p of pods) {
    const n = String(spec(p)['nodeName'] ?? '');
    if (n) load.set(n, (load.get(n) ?? 0) + 1);
  }
  for (const pod of pods) {
    if (spec(pod)['nodeName'] || pod.metadata.deletionTimestamp) continue;
    const podSpec = spec(pod);
    const tolerations = asArray(podSpec['tolerations']).map(asObject);
    const selector = asObject(podSpec['nodeSelector']);
    // Taints decide (a NotReady node has not-ready:NoSchedule); every pod tolerates not-ready and
    // unreachable NoExecute for a while, as the DefaultTolerationSeconds admission plugin adds.
    const fits = nodes.filter(
      (n) =>
        !isUnschedulable(n) &&
        untoleratedTaints(n, [...tolerations, ...DEFAULT_TOLERATIONS]).length === 0 &&
        Object.entries(selector).every(([k, v]) => n.metadata.labels?.[k] === v),
    );
    const next = clone(pod);
    const conditions = asArray(status(pod)['conditions'])
      .map(asObject)
      .filter((c) => c['type'] !== 'PodScheduled');
    const best = fits.sort((a, b) => (load.get(a.metadata.name) ?? 0) - (load.get(b.metadata.name) ?? 0))[0];
    if (best) {
      asObject(next['spec'])['nodeName'] = best.metadata.name;
      load.set(best.metadata.name, (load.get(best.metadata.name) ?? 0) + 1);
      conditions.push({
        type: 'PodScheduled',
        status: 'True',
        lastProbeTime: null,
        lastTransitionTime: isoSeconds(ctx.now),
      });
      ctx.scheduledAt.set(pod.metadata.uid, ctx.now);
    } else {
      const before = asArray(status(pod)['conditions'])
        .map(asObject)
        .find((c) => c['type'] === 'PodScheduled');
      conditions.push({
        type: 'PodScheduled',
        status: 'False',
        lastProbeTime: null,
        lastTransitionTime:
          before?.['status'] === 'False' ? before['lastTransitionTime'] : isoSeconds(ctx.now),
        reason: 'Unschedulable',
        message: `0/${nodes.length} nodes are available: ${nodes.length - fits.length} node(s) were unschedulable or had untolerated taints.`,
      });
    }
    next['status'] = { ...status(pod), conditions };
    changed = putIfChanged(ctx, TYPES.pods, pod, next) || changed;
  }
  return changed;
}

function runningStatus(
  pod: KubeObject,
  node: KubeObject,
  ready: boolean,
  ctx: ControllerContext,
): JsonObject {
  const previous = status(pod);
  const startTime = String(previous['startTime'] ?? isoSeconds(ctx.now));
  const prevConditions = asArray(previous['conditions']).map(asObject);
  const cond = (type: string, value: boolean) => {
    const s = value ? 'True' : 'False';
    const before = prevConditions.find((c) => c['type'] === type);
    return {
      type,
      status: s,
      lastProbeTime: null,
      lastTransitionTime: before?.['status'] === s ? before['lastTransitionTime'] : isoSeconds(ctx.now),
    };
  };
  const extra = prevConditions.filter((c) => c['type'] === 'DisruptionTarget');
  const containers = asArray(spec(pod)['containers']).map(asObject);
  const prevStatuses = asArray(previous['containerStatuses']).map(asObject);
  return {
    phase: 'Running',
    conditions: [
      cond('PodReadyToStartContainers', true),
      cond('Initialized', true),
      cond('Ready', ready),
      cond('ContainersReady', ready),
      cond('PodScheduled', true),
      ...extra,
    ],
    hostIP: internalIp(node),
    hostIPs: [{ ip: internalIp(node) }],
    podIP: spec(pod)['hostNetwork'] === true ? internalIp(node) : podIp(pod),
    startTime,
    qosClass: previous['qosClass'] ?? 'BestEffort',
    containerStatuses: containers.map((c) => {
      const before = prevStatuses.find((s) => s['name'] === c['name']);
      const startedAt = asObject(asObject(before?.['state'])['running'])['startedAt'] ?? startTime;
      return {
        name: c['name'],
        image: c['image'],
        imageID: `${String(c['image'])}@sha256:${'0'.repeat(64)}`,
        containerID: `containerd://${pod.metadata.uid.replace(/-/g, '')}${String(c['name'])}`.slice(0, 77),
        ready,
        started: true,
        restartCount: 0,
        state: { running: { startedAt } },
      };
    }),
  };
}

/** The kubelets: start scheduled pods, follow node readiness, finish graceful deletions. */
export function runKubelets(ctx: ControllerContext, kubeletRuns: (nodeName: string) => boolean): boolean {
  let changed = false;
  const nodes = new Map(ctx.objects.list(TYPES.nodes).map((n) => [n.metadata.name, n]));
  for (const pod of ctx.objects.list(TYPES.pods)) {
    const nodeName = String(spec(pod)['nodeName'] ?? '');
    if (!nodeName) continue;
    const node = nodes.get(nodeName);
    if (!node) {
      // Pod GC: a pod bound to a Node that no longer exists is deleted at once.
      ctx.objects.removeNow(TYPES.pods, pod);
      changed = true;
      continue;
    }
    const running = kubeletRuns(nodeName);
    if (pod.metadata.deletionTimestamp) {
      const grace = pod.metadata.deletionGracePeriodSeconds ?? 30;
      const started = Date.parse(pod.metadata.deletionTimestamp) - grace * 1000;
      const takes = Math.min(grace * 1000, KUBE_DURATIONS.podTermination) * ctx.speed;
      if (running && ctx.now >= started + takes) {
        ctx.objects.removeNow(TYPES.pods, pod);
        ctx.scheduledAt.delete(pod.metadata.uid);
        changed = true;
      }
      continue;
    }
    const phase = status(pod)['phase'];
    // A running kubelet whose node is NotReady lacks only the network (see cni.ts).
    const networkReady = isNodeReady(node) || startsWithoutCni(pod);
    if (phase === 'Pending') {
      if (!running || !networkReady) continue;
      let at = ctx.scheduledAt.get(pod.metadata.uid);
      if (at === undefined) {
        at = ctx.now;
        ctx.scheduledAt.set(pod.metadata.uid, at);
      }
      if (ctx.now < at + KUBE_DURATIONS.podStart * ctx.speed) continue;
    } else if (phase !== 'Running') continue;
    const next = clone(pod);
    // The node lifecycle controller marks pods of a node whose kubelet is gone not ready.
    next['status'] = runningStatus(pod, node, running && networkReady, ctx);
    changed = putIfChanged(ctx, TYPES.pods, pod, next) || changed;
  }
  return changed;
}

/** Deletes objects all of whose owners are gone (background cascading deletion). */
export function collectGarbage(ctx: ControllerContext): boolean {
  const types = ctx.objects.catalog
    .all()
    .filter((t, i, all) => all.findIndex((o) => o.group === t.group && o.plural === t.plural) === i);
  const everything = types.flatMap((t) => ctx.objects.list(t).map((o) => ({ type: t, obj: o })));
  const uids = new Set(everything.map((e) => e.obj.metadata.uid));
  let changed = false;
  for (const { type, obj } of everything) {
    const owners = obj.metadata.ownerReferences ?? [];
    if (owners.length === 0 || obj.metadata.deletionTimestamp) continue;
    if (owners.some((o) => uids.has(o.uid))) continue;
    deleteDependent(ctx, type, obj);
    changed = true;
  }
  return changed;
}

function deleteDependent(ctx: ControllerContext, type: ResourceType, obj: KubeObject): void {
  if (type.plural === 'pods' && type.group === '')
    ctx.objects.delete(type, obj.metadata.namespace, obj.metadata.name, { dryRun: false });
  else ctx.objects.removeNow(type, obj);
}

/** A terminating namespace: its contents are deleted, then the namespace itself. */
export function finishNamespaces(ctx: ControllerContext): boolean {
  let changed = false;
  for (const ns of ctx.objects.list(TYPES.namespaces)) {
    if (!ns.metadata.deletionTimestamp) continue;
    let remaining = 0;
    for (const type of ctx.objects.catalog.all().filter((t) => t.namespaced)) {
      for (const obj of ctx.objects.list(type, ns.metadata.name)) {
        remaining++;
        if (obj.metadata.deletionTimestamp) continue;
        deleteDependent(ctx, type, obj);
        changed = true;
      }
    }
    if (remaining === 0) {
      ctx.objects.removeNow(TYPES.namespaces, ns);
      changed = true;
    }
  }
  return changed;
}

const PDB_DISRUPTED_EXPIRY_MS = 120_000;

export function syncBudgets(ctx: ControllerContext): boolean {
  let changed = false;
  for (const pdb of ctx.objects.list(TYPES.pdbs)) {
    const pods = ctx.objects.list(TYPES.pods, pdb.metadata.namespace);
    const next = clone(pdb);
    const computed = computePdbStatus(pdb, {
      pods,
      now: ctx.now,
      disruptedExpiryMs: PDB_DISRUPTED_EXPIRY_MS * Math.max(ctx.speed, 0.01),
      scaleOf: (pod, controller) => scaleOf(ctx, pod, controller),
    });
    next['status'] = computed;
    if (jsonEqual(asObject(pdb['status']), computed)) continue;
    changed = putIfChanged(ctx, TYPES.pdbs, pdb, next) || changed;
  }
  return changed;
}

function scaleOf(
  ctx: ControllerContext,
  pod: KubeObject,
  ref: OwnerReference,
): { uid: string; replicas: number } | undefined {
  const ns = pod.metadata.namespace;
  const find = (type: ResourceType, name: string, uid: string) => {
    const obj = ctx.objects.find(type, ns, name);
    return obj && obj.metadata.uid === uid ? obj : undefined;
  };
  if (ref.kind === 'ReplicaSet' && ref.apiVersion === apiVersionOf(TYPES.replicasets)) {
    const rs = find(TYPES.replicasets, ref.name, ref.uid);
    if (!rs) return undefined;
    const owner = controllerOf(rs);
    if (owner?.kind === 'Deployment') {
      const d = find(TYPES.deployments, owner.name, owner.uid);
      if (d) return { uid: d.metadata.uid, replicas: Number(spec(d)['replicas'] ?? 1) };
      return undefined;
    }
    return { uid: rs.metadata.uid, replicas: Number(spec(rs)['replicas'] ?? 1) };
  }
  if (ref.kind === 'StatefulSet') {
    const sts = ctx.objects.find(
      ctx.objects.catalog.find('apps', 'v1', 'statefulsets') ?? TYPES.replicasets,
      ns,
      ref.name,
    );
    return sts ? { uid: sts.metadata.uid, replicas: Number(spec(sts)['replicas'] ?? 1) } : undefined;
  }
  return undefined;
}

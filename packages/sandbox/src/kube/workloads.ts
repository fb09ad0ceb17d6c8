/**
 * The workload controllers: Deployment → ReplicaSet (one per pod-template hash; older ones scaled
 * to 0), ReplicaSet → pods, DaemonSet → one pod per eligible node. Pods they create carry a
 * controller ownerReference; status follows the pods.
 */
import { createHash } from 'node:crypto';
import { randomSuffix } from './objects.js';
import { isPodReady } from './pdb.js';
import { isNodeReady, untoleratedTaints } from './nodes.js';
import { clone, controllerRef, ownedBy, putIfChanged, TYPES, type ControllerContext } from './context.js';
import { asArray, asObject, toMeta, type JsonObject, type KubeObject } from './types.js';

const MANAGER = 'kube-controller-manager';

const spec = (o: KubeObject) => asObject(o['spec']);
const isActive = (p: KubeObject) => {
  const phase = asObject(p['status'])['phase'];
  return !p.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
};

function templateHash(template: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(template))
    .digest('hex')
    .slice(0, 10)
    .replace(/[aeiou]/g, 'x');
}

function podFromTemplate(owner: KubeObject, name: string, extraLabels: Record<string, string>): KubeObject {
  const template = asObject(spec(owner)['template']);
  const meta = toMeta(template['metadata']);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...meta,
      name,
      generateName: `${name.slice(0, name.lastIndexOf('-') + 1)}`,
      namespace: owner.metadata.namespace,
      labels: { ...meta.labels, ...extraLabels },
      ownerReferences: [controllerRef(owner)],
    },
    spec: clone(asObject(template['spec'])),
  };
}

export function syncDeployments(ctx: ControllerContext): boolean {
  let changed = false;
  const allSets = ctx.objects.list(TYPES.replicasets);
  for (const d of ctx.objects.list(TYPES.deployments)) {
    if (d.metadata.deletionTimestamp) continue;
    const hash = templateHash(spec(d)['template']);
    const owned = allSets.filter((rs) => rs.metadata.namespace === d.metadata.namespace && ownedBy(rs, d));
    const replicas = Number(spec(d)['replicas'] ?? 1);
    let current = owned.find((rs) => rs.metadata.labels?.['pod-template-hash'] === hash);
    const revision = String(
      1 +
        owned.reduce(
          (m, rs) => Math.max(m, Number(rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0)),
          0,
        ),
    );
    if (!current) {
      const template = clone(asObject(spec(d)['template']));
      const tmeta = asObject(template['metadata']);
      tmeta['labels'] = { ...asObject(tmeta['labels']), 'pod-template-hash': hash };
      template['metadata'] = tmeta;
      const selector = asObject(clone(spec(d)['selector']));
      selector['matchLabels'] = { ...asObject(selector['matchLabels']), 'pod-template-hash': hash };
      current = ctx.objects.createAs(
        TYPES.replicasets,
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          metadata: {
            name: `${d.metadata.name}-${hash}`,
            namespace: d.metadata.namespace,
            uid: '',
            resourceVersion: '',
            creationTimestamp: '',
            labels: { ...asObject(tmeta['labels']) } as Record<string, string>,
            annotations: {
              'deployment.kubernetes.io/desired-replicas': String(replicas),
              'deployment.kubernetes.io/revision': revision,
            },
            ownerReferences: [controllerRef(d)],
          },
          spec: { replicas, selector, template },
        },
        MANAGER,
      );
      changed = true;
    }
    for (const rs of owned) {
      const want = rs.metadata.uid === current.metadata.uid ? replicas : 0;
      if (Number(spec(rs)['replicas'] ?? 0) !== want) {
        const next = clone(rs);
        next['spec'] = { ...spec(rs), replicas: want };
        changed = putIfChanged(ctx, TYPES.replicasets, rs, next) || changed;
      }
    }
    changed = deploymentStatus(ctx, d, owned, current, replicas) || changed;
  }
  return changed;
}

function deploymentStatus(
  ctx: ControllerContext,
  d: KubeObject,
  owned: KubeObject[],
  current: KubeObject,
  replicas: number,
): boolean {
  const st = (o: KubeObject, k: string) => Number(asObject(o['status'])[k] ?? 0);
  const total = owned.reduce((s, rs) => s + st(rs, 'replicas'), 0);
  const ready = owned.reduce((s, rs) => s + st(rs, 'readyReplicas'), 0);
  const now = new Date(ctx.now).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const previous = asArray(asObject(d['status'])['conditions']).map(asObject);
  const cond = (type: string, status: string, reason: string, message: string) => {
    const before = previous.find((c) => c['type'] === type);
    const same = before?.['status'] === status && before['reason'] === reason;
    return {
      type,
      status,
      lastUpdateTime: same ? before['lastUpdateTime'] : now,
      lastTransitionTime: same ? before['lastTransitionTime'] : now,
      reason,
      message,
    };
  };
  const available = ready >= replicas;
  const status: JsonObject = {
    observedGeneration: d.metadata.generation ?? 1,
    replicas: total,
    updatedReplicas: st(current, 'replicas'),
    readyReplicas: ready,
    availableReplicas: ready,
    ...(total - ready > 0 ? { unavailableReplicas: total - ready } : {}),
    conditions: [
      available
        ? cond('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.')
        : cond(
            'Available',
            'False',
            'MinimumReplicasUnavailable',
            'Deployment does not have minimum availability.',
          ),
      cond(
        'Progressing',
        'True',
        'NewReplicaSetAvailable',
        `ReplicaSet "${current.metadata.name}" has successfully progressed.`,
      ),
    ],
  };
  for (const k of ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas'])
    if (status[k] === 0) delete status[k];
  const next = clone(d);
  next['status'] = status;
  const revision = current.metadata.annotations?.['deployment.kubernetes.io/revision'];
  if (revision)
    next.metadata.annotations = {
      ...next.metadata.annotations,
      'deployment.kubernetes.io/revision': revision,
    };
  return putIfChanged(ctx, TYPES.deployments, d, next);
}

export function syncReplicaSets(ctx: ControllerContext): boolean {
  let changed = false;
  const pods = ctx.objects.list(TYPES.pods);
  for (const rs of ctx.objects.list(TYPES.replicasets)) {
    if (rs.metadata.deletionTimestamp) continue;
    const owned = pods.filter((p) => p.metadata.namespace === rs.metadata.namespace && ownedBy(p, rs));
    const active = owned.filter(isActive);
    const want = Number(spec(rs)['replicas'] ?? 1);
    for (let i = active.length; i < want; i++) {
      ctx.objects.createAs(
        TYPES.pods,
        podFromTemplate(rs, `${rs.metadata.name}-${randomSuffix()}`, {}),
        MANAGER,
      );
      changed = true;
    }
    const excess = active
      .sort(
        (a, b) =>
          rank(a) - rank(b) || b.metadata.creationTimestamp.localeCompare(a.metadata.creationTimestamp),
      )
      .slice(0, Math.max(0, active.length - want));
    for (const pod of excess) {
      ctx.objects.delete(TYPES.pods, pod.metadata.namespace, pod.metadata.name, { dryRun: false });
      changed = true;
    }
    const remaining = active.filter((p) => !excess.includes(p));
    const ready = remaining.filter(isPodReady).length;
    const status: JsonObject = {
      replicas: remaining.length,
      fullyLabeledReplicas: remaining.length,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: rs.metadata.generation ?? 1,
    };
    for (const k of ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas'])
      if (status[k] === 0) delete status[k];
    const next = clone(rs);
    next['status'] = status;
    changed = putIfChanged(ctx, TYPES.replicasets, rs, next) || changed;
  }
  return changed;
}

/** Which pods a scale-down removes first: unscheduled, then not ready, then ready. */
function rank(pod: KubeObject): number {
  if (!spec(pod)['nodeName']) return 0;
  return isPodReady(pod) ? 2 : 1;
}

/** Tolerations the DaemonSet controller adds to every pod it creates. */
const DAEMON_TOLERATIONS: JsonObject[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];

function daemonEligible(ds: KubeObject, node: KubeObject): boolean {
  const podSpec = asObject(asObject(spec(ds)['template'])['spec']);
  const selector = asObject(podSpec['nodeSelector']);
  if (Object.entries(selector).some(([k, v]) => node.metadata.labels?.[k] !== v)) return false;
  const tolerations = [...asArray(podSpec['tolerations']).map(asObject), ...DAEMON_TOLERATIONS];
  // A NotReady node keeps its daemons but gets no new ones from not-ready's NoSchedule taint.
  return untoleratedTaints(node, tolerations).every(
    (t) => t['key'] === 'node.kubernetes.io/not-ready' && t['effect'] === 'NoSchedule',
  );
}

/**
 * RollingUpdate with maxUnavailable 1: while every pod is Ready and none terminates, one pod of an
 * older template goes; the loop above then starts its replacement on that node.
 */
function rollDaemonSet(ctx: ControllerContext, owned: KubeObject[], hash: string): boolean {
  if (owned.some((p) => p.metadata.deletionTimestamp)) return false;
  const active = owned.filter(isActive);
  if (!active.every(isPodReady)) return false;
  const outdated = active.find((p) => p.metadata.labels?.['controller-revision-hash'] !== hash);
  if (!outdated) return false;
  ctx.objects.delete(TYPES.pods, outdated.metadata.namespace, outdated.metadata.name, { dryRun: false });
  return true;
}

export function syncDaemonSets(ctx: ControllerContext): boolean {
  let changed = false;
  const pods = ctx.objects.list(TYPES.pods);
  const nodes = ctx.objects.list(TYPES.nodes);
  for (const ds of ctx.objects.list(TYPES.daemonsets)) {
    if (ds.metadata.deletionTimestamp) continue;
    const owned = pods.filter((p) => p.metadata.namespace === ds.metadata.namespace && ownedBy(p, ds));
    const eligible = nodes.filter((n) => daemonEligible(ds, n));
    const hash = templateHash(spec(ds)['template']);
    for (const node of eligible) {
      if (owned.some((p) => isActive(p) && spec(p)['nodeName'] === node.metadata.name)) continue;
      const pod = podFromTemplate(ds, `${ds.metadata.name}-${randomSuffix()}`, {
        'controller-revision-hash': hash,
        'pod-template-generation': String(ds.metadata.generation ?? 1),
      });
      const podSpec = asObject(pod['spec']);
      podSpec['nodeName'] = node.metadata.name;
      podSpec['tolerations'] = [...asArray(podSpec['tolerations']), ...DAEMON_TOLERATIONS];
      ctx.objects.createAs(TYPES.pods, pod, MANAGER);
      changed = true;
    }
    const names = new Set(eligible.map((n) => n.metadata.name));
    for (const pod of owned.filter((p) => isActive(p) && !names.has(String(spec(p)['nodeName'])))) {
      ctx.objects.delete(TYPES.pods, pod.metadata.namespace, pod.metadata.name, { dryRun: false });
      changed = true;
    }
    changed = rollDaemonSet(ctx, owned, hash) || changed;
    const scheduled = owned.filter((p) => isActive(p) && names.has(String(spec(p)['nodeName'])));
    const ready = scheduled.filter(isPodReady).length;
    const next = clone(ds);
    next['status'] = {
      currentNumberScheduled: scheduled.length,
      desiredNumberScheduled: eligible.length,
      numberMisscheduled: 0,
      numberReady: ready,
      numberAvailable: ready,
      updatedNumberScheduled: scheduled.length,
      ...(eligible.length - ready > 0 ? { numberUnavailable: eligible.length - ready } : {}),
      observedGeneration: ds.metadata.generation ?? 1,
    };
    changed = putIfChanged(ctx, TYPES.daemonsets, ds, next) || changed;
  }
  return changed;
}

export function nodeIsReady(node: KubeObject | undefined): boolean {
  return node !== undefined && isNodeReady(node);
}

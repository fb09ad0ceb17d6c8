/**
 * The disruption controller's status math for a PodDisruptionBudget (policy/v1), as a pure function:
 * expectedPods, desiredHealthy, currentHealthy, disruptionsAllowed, disruptedPods, conditions.
 */
import { selectorMatches } from './selectors.js';
import { asArray, asObject, type JsonObject, type KubeObject, type OwnerReference } from './types.js';

export interface PdbStatus {
  observedGeneration: number;
  disruptedPods?: Record<string, string>;
  disruptionsAllowed: number;
  currentHealthy: number;
  desiredHealthy: number;
  expectedPods: number;
  conditions: JsonObject[];
}

export interface PdbContext {
  /** Every pod in the budget's namespace. */
  pods: KubeObject[];
  /** The scale (spec.replicas) behind a pod's controller; undefined when it has none that scales. */
  scaleOf(pod: KubeObject, controller: OwnerReference): { uid: string; replicas: number } | undefined;
  now: number;
  /** How long an eviction stays in disruptedPods without the pod going away (Kubernetes: 2 min). */
  disruptedExpiryMs: number;
}

export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((o) => o.controller === true);
}

export function isPodReady(pod: KubeObject): boolean {
  const conditions = asArray(asObject(pod['status'])['conditions']).map(asObject);
  return conditions.some((c) => c['type'] === 'Ready' && c['status'] === 'True');
}

/** An int, or `NN%` of `total` rounded up (as the disruption controller rounds). */
export function scaledValue(value: unknown, total: number): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string') {
    const m = /^(\d+)%$/.exec(value);
    if (m) return Math.ceil((Number(m[1]) * total) / 100);
    if (/^\d+$/.test(value)) return Number(value);
  }
  return undefined;
}

function condition(
  allowed: boolean,
  reason: string,
  message: string,
  generation: number,
  since: string,
): JsonObject {
  return {
    type: 'DisruptionAllowed',
    status: allowed ? 'True' : 'False',
    reason,
    message,
    observedGeneration: generation,
    lastTransitionTime: since,
  };
}

/** Sum of the distinct controllers' scales of `pods`; undefined when a pod's controller cannot be scaled. */
function expectedScale(pods: KubeObject[], ctx: PdbContext): number | undefined {
  const seen = new Map<string, number>();
  for (const pod of pods) {
    const controller = controllerOf(pod);
    if (!controller) continue;
    const scale = ctx.scaleOf(pod, controller);
    if (!scale) return undefined;
    seen.set(scale.uid, scale.replicas);
  }
  return [...seen.values()].reduce((a, b) => a + b, 0);
}

export function computePdbStatus(pdb: KubeObject, ctx: PdbContext): PdbStatus {
  const spec = asObject(pdb['spec']);
  const previous = asObject(pdb['status']);
  const generation = pdb.metadata.generation ?? 1;
  const nowIso = new Date(ctx.now).toISOString();
  const pods = ctx.pods.filter((p) => selectorMatches(spec['selector'], p.metadata.labels));
  const previousCondition = asArray(previous['conditions']).map(asObject)[0];
  const since = (allowed: boolean) =>
    previousCondition && (previousCondition['status'] === 'True') === allowed
      ? String(previousCondition['lastTransitionTime'] ?? nowIso)
      : nowIso;

  let expectedPods: number | undefined;
  let desiredHealthy: number | undefined;
  if (spec['maxUnavailable'] !== undefined) {
    expectedPods = expectedScale(pods, ctx);
    const max = expectedPods === undefined ? undefined : scaledValue(spec['maxUnavailable'], expectedPods);
    if (expectedPods !== undefined && max !== undefined) desiredHealthy = Math.max(0, expectedPods - max);
  } else if (typeof spec['minAvailable'] === 'string' && spec['minAvailable'].endsWith('%')) {
    expectedPods = expectedScale(pods, ctx);
    if (expectedPods !== undefined) desiredHealthy = scaledValue(spec['minAvailable'], expectedPods);
  } else {
    expectedPods = pods.length;
    desiredHealthy = scaledValue(spec['minAvailable'] ?? 0, pods.length);
  }

  const byName = new Map(pods.map((p) => [p.metadata.name, p]));
  const disrupted: Record<string, string> = {};
  for (const [name, at] of Object.entries(asObject(previous['disruptedPods']))) {
    const pod = byName.get(name);
    if (!pod || pod.metadata.deletionTimestamp || typeof at !== 'string') continue;
    if (Date.parse(at) + ctx.disruptedExpiryMs < ctx.now) continue;
    disrupted[name] = at;
  }
  const currentHealthy = pods.filter(
    (p) => !p.metadata.deletionTimestamp && !(p.metadata.name in disrupted) && isPodReady(p),
  ).length;

  if (expectedPods === undefined || desiredHealthy === undefined) {
    return {
      observedGeneration: generation,
      disruptionsAllowed: 0,
      currentHealthy,
      desiredHealthy: Number(previous['desiredHealthy'] ?? 0),
      expectedPods: Number(previous['expectedPods'] ?? 0),
      ...(Object.keys(disrupted).length > 0 ? { disruptedPods: disrupted } : {}),
      conditions: [condition(false, 'SyncFailed', 'found no controllers for pod', generation, since(false))],
    };
  }
  const allowed = expectedPods <= 0 ? 0 : Math.max(0, currentHealthy - desiredHealthy);
  return {
    observedGeneration: generation,
    ...(Object.keys(disrupted).length > 0 ? { disruptedPods: disrupted } : {}),
    disruptionsAllowed: allowed,
    currentHealthy,
    desiredHealthy,
    expectedPods,
    conditions: [
      allowed > 0
        ? condition(true, 'SufficientPods', '', generation, since(true))
        : condition(false, 'InsufficientPods', '', generation, since(false)),
    ],
  };
}

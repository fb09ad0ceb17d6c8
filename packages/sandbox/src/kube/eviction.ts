/**
 * The Eviction subresource (POST pods/<name>/eviction, policy/v1): PodDisruptionBudgets are checked
 * and decremented as the API server does, then the pod is deleted gracefully.
 */
import { badRequest, KubeError } from './errors.js';
import type { Objects } from './objects.js';
import { isPodReady } from './pdb.js';
import { builtin } from './resources.js';
import { selectorMatches } from './selectors.js';
import { asArray, asObject, clone, isObject, type JsonObject, type KubeObject } from './types.js';

const PODS = builtin('pods');
const PDBS = builtin('poddisruptionbudgets');
const MESSAGE = "Cannot evict pod as it would violate the pod's disruption budget.";

function tooMany(cause: string, retryAfterSeconds?: number): KubeError {
  return new KubeError(429, 'TooManyRequests', MESSAGE, {
    causes: [{ reason: 'DisruptionBudget', message: cause }],
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  });
}

export interface EvictionInput {
  namespace: string;
  name: string;
  body: unknown;
  queryDryRun: boolean;
  now: number;
}

export const EVICTED = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };

/** Returns normally when the pod was evicted (or would be, in a dry run); throws the refusal otherwise. */
export function evict(objects: Objects, input: EvictionInput): void {
  const body = asObject(input.body);
  const metaName = asObject(body['metadata'])['name'];
  if (metaName !== undefined && metaName !== input.name)
    throw badRequest('name in URL does not match name in Eviction object');
  const options = asObject(body['deleteOptions']);
  const dryRun = input.queryDryRun || asArray(options['dryRun']).includes('All');
  const grace = typeof options['gracePeriodSeconds'] === 'number' ? options['gracePeriodSeconds'] : undefined;
  const pod = objects.get(PODS, input.namespace, input.name);
  const remove = () => deletePod(objects, pod, grace, dryRun, input.now);

  const phase = asObject(pod['status'])['phase'];
  if (phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || pod.metadata.deletionTimestamp) {
    remove();
    return;
  }
  const budgets = objects
    .list(PDBS, input.namespace)
    .filter((pdb) => selectorMatches(asObject(pdb['spec'])['selector'], pod.metadata.labels));
  if (budgets.length === 0) {
    remove();
    return;
  }
  const [pdb] = budgets;
  if (budgets.length > 1 || !pdb) {
    throw new KubeError(
      500,
      undefined,
      'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
    );
  }
  const spec = asObject(pdb['spec']);
  const status = asObject(pdb['status']);
  const healthy = Number(status['currentHealthy'] ?? 0);
  const desired = Number(status['desiredHealthy'] ?? 0);
  if (!isPodReady(pod)) {
    const policy = spec['unhealthyPodEvictionPolicy'];
    if (policy === 'AlwaysAllow' || (healthy >= desired && desired > 0)) {
      remove();
      return;
    }
  }
  if (Number(status['observedGeneration'] ?? 0) < (pdb.metadata.generation ?? 1)) {
    throw tooMany(`The disruption budget ${pdb.metadata.name} is still being processed by the server.`, 10);
  }
  const allowed = Number(status['disruptionsAllowed'] ?? 0);
  if (allowed < 0) {
    throw new KubeError(
      403,
      'Forbidden',
      `poddisruptionbudget.policy "${pdb.metadata.name}" is forbidden: pdb disruptions allowed is negative`,
      {
        name: pdb.metadata.name,
        group: 'policy',
        kind: 'poddisruptionbudget',
      },
    );
  }
  if (allowed === 0)
    throw tooMany(
      `The disruption budget ${pdb.metadata.name} needs ${desired} healthy pods and has ${healthy} currently`,
    );
  if (!dryRun) {
    const next = clone(pdb);
    const disrupted = {
      ...asObject(status['disruptedPods']),
      [pod.metadata.name]: new Date(input.now).toISOString(),
    };
    const nextStatus: JsonObject = { ...status, disruptionsAllowed: allowed - 1, disruptedPods: disrupted };
    if (allowed - 1 === 0) {
      nextStatus['conditions'] = [
        {
          type: 'DisruptionAllowed',
          status: 'False',
          reason: 'InsufficientPods',
          message: '',
          observedGeneration: pdb.metadata.generation ?? 1,
          lastTransitionTime: new Date(input.now).toISOString(),
        },
      ];
    }
    next['status'] = nextStatus;
    objects.put(PDBS, next);
  }
  remove();
}

function deletePod(
  objects: Objects,
  pod: KubeObject,
  grace: number | undefined,
  dryRun: boolean,
  now: number,
): void {
  if (!dryRun && !pod.metadata.deletionTimestamp) {
    const next = clone(pod);
    const status = asObject(next['status']);
    const conditions = asArray(status['conditions']).filter(
      (c) => !(isObject(c) && c['type'] === 'DisruptionTarget'),
    );
    conditions.push({
      type: 'DisruptionTarget',
      status: 'True',
      reason: 'EvictionByEvictionAPI',
      message: 'Eviction API: evicting',
      lastTransitionTime: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });
    next['status'] = { ...status, conditions };
    objects.put(PODS, next);
  }
  objects.delete(PODS, pod.metadata.namespace, pod.metadata.name, {
    dryRun,
    ...(grace === undefined ? {} : { gracePeriodSeconds: grace }),
  });
}

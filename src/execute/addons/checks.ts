/**
 * Evaluates an addon's readiness checks against the cluster: each is ready, still waiting (with
 * why), or failed for good (a Job that gave up, with the Job's own message).
 */
import type { ReadinessCheck } from '../../addons/checks.js';
import type { Condition, KubeClient, KubeObject } from '../../providers/kube/index.js';

export type CheckState =
  { state: 'ready' } | { state: 'waiting'; why: string } | { state: 'failed'; why: string };

interface Status {
  conditions?: Condition[];
  availableReplicas?: number;
  numberReady?: number;
  desiredNumberScheduled?: number;
}

const statusOf = (object: KubeObject): Status => (object.status ?? {}) as Status;
const condition = (object: KubeObject, type: string) =>
  statusOf(object).conditions?.find((c) => c.type === type);

function jobState(job: KubeObject | undefined, check: Extract<ReadinessCheck, { kind: 'job' }>): CheckState {
  const label = `Job ${check.namespace}/${check.name}`;
  if (!job) return { state: 'waiting', why: `${label} does not exist yet` };
  if (condition(job, 'Complete')?.status === 'True') return { state: 'ready' };
  const failed = condition(job, 'Failed');
  if (failed?.status === 'True') {
    return { state: 'failed', why: `${label} failed: ${failed.message ?? failed.reason ?? 'no message'}` };
  }
  return { state: 'waiting', why: `${label} has not completed` };
}

function workloadState(
  object: KubeObject | undefined,
  check: Extract<ReadinessCheck, { kind: 'workload' }>,
): CheckState {
  const label = `${check.workload} ${check.namespace}/${check.name}`;
  if (!object) return { state: 'waiting', why: `${label} does not exist yet` };
  const status = statusOf(object);
  if (check.workload === 'Deployment') {
    const wanted =
      typeof (object.spec as { replicas?: unknown })?.replicas === 'number'
        ? (object.spec as { replicas: number }).replicas
        : 1;
    const available = status.availableReplicas ?? 0;
    return available >= wanted
      ? { state: 'ready' }
      : { state: 'waiting', why: `${label}: ${available}/${wanted} available` };
  }
  const desired = status.desiredNumberScheduled ?? 0;
  const ready = status.numberReady ?? 0;
  return desired > 0 && ready >= desired
    ? { state: 'ready' }
    : { state: 'waiting', why: `${label}: ${ready}/${desired} ready` };
}

export async function checkState(
  kube: KubeClient,
  check: ReadinessCheck,
  signal: AbortSignal,
): Promise<CheckState> {
  const call = { signal };
  switch (check.kind) {
    case 'job':
      return jobState(
        await kube.getObject(
          { apiVersion: 'batch/v1', kind: 'Job', namespace: check.namespace, name: check.name },
          call,
        ),
        check,
      );
    case 'workload':
      return workloadState(
        await kube.getObject(
          { apiVersion: 'apps/v1', kind: check.workload, namespace: check.namespace, name: check.name },
          call,
        ),
        check,
      );
    case 'crd': {
      const crd = await kube.getObject(
        { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: check.name },
        call,
      );
      if (!crd) return { state: 'waiting', why: `CRD ${check.name} does not exist yet` };
      return condition(crd, 'Established')?.status === 'True'
        ? { state: 'ready' }
        : { state: 'waiting', why: `CRD ${check.name} is not established` };
    }
  }
}

/** The first check not ready, or undefined when all are. */
export type Unready = Exclude<CheckState, { state: 'ready' }>;

export async function firstUnready(
  kube: KubeClient,
  checks: readonly ReadinessCheck[],
  signal: AbortSignal,
): Promise<Unready | undefined> {
  for (const check of checks) {
    const state = await checkState(kube, check, signal);
    if (state.state !== 'ready') return state;
  }
  return undefined;
}

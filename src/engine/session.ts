/**
 * The use cases behind plan, apply, resume and destroy: read everything, plan without I/O,
 * execute under the lock. Commands call these and only render.
 */
import { randomBytes } from 'node:crypto';
import { Hk8sError } from '../errors.js';
import type { EngineEventSink } from '../execute/events.js';
import { executeGraph, type RunResult } from '../execute/execute.js';
import type { ResourceRecord } from '../execute/runner.js';
import type { ObservedResource } from '../plan/types.js';
import { assertPlanFresh } from '../plan/plan-file.js';
import { hasChanges, makePlan, type Plan, type PlanCommand } from '../plan/plan.js';
import { openState } from '../state/log-store.js';
import { lastRun, pendingRun, type RunRecord, type State } from '../state/reducer.js';
import { desiredResources } from './infra.js';
import { talosPlanInput } from './talos-inputs.js';
import type { Provider } from './provider.js';
import { HK8S_VERSION } from './version.js';
import type { Workspace } from './workspace.js';

export interface PlanRequest {
  command: PlanCommand;
  targets?: string[];
  replace?: string[];
  includeVolumes?: boolean;
}

export interface PlanResult {
  plan: Plan;
  state: State;
  warnings: string[];
  pending?: RunRecord;
  lastFailed?: RunRecord;
}

export function newRunId(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export interface Computed {
  plan: Plan;
  /** What is known of every resource (state records overlaid with observation), by address. */
  records: Map<string, ResourceRecord>;
}

export async function computePlan(
  ws: Workspace,
  state: State,
  provider: Provider,
  request: PlanRequest,
): Promise<Computed> {
  const observation = await provider.observe({ includeVolumes: request.includeVolumes });
  // Volumes hold data: only `destroy --include-volumes` sees (and so deletes) them.
  const keepVolumes = request.command === 'destroy' && request.includeVolumes === true;
  const resources = observation.resources.filter((r) => r.type !== 'volume' || keepVolumes);
  const plan = makePlan({
    cluster: ws.cluster,
    command: request.command,
    specHash: ws.loaded.hash,
    stateHead: state.head,
    desired: request.command === 'destroy' ? [] : desiredResources(ws.spec, state, observation),
    observed: resources,
    targets: request.targets,
    replace: request.replace,
    ...(provider.talos ? { talos: talosPlanInput(ws.spec, state, resources) } : {}),
  });
  return { plan, records: knownRecords(state, observation.resources) };
}

/** State records, overlaid with what observation saw now (fresher, and there even if the state was lost). */
function knownRecords(state: State, observed: readonly ObservedResource[]): Map<string, ResourceRecord> {
  const records = new Map<string, ResourceRecord>(Object.values(state.resources).map((r) => [r.address, r]));
  for (const o of observed) {
    records.set(o.address, {
      address: o.address,
      type: o.type,
      id: o.id,
      attrs: { ...records.get(o.address)?.attrs, ...o.props },
    });
  }
  return records;
}

export function stateSecrets(state: State): Map<string, string> {
  return new Map(Object.entries(state.secrets).map(([name, value]) => [name, value.$secret]));
}

export function lastFailedRun(state: State): RunRecord | undefined {
  const run = lastRun(state);
  return run?.finished?.outcome === 'failed' ? run : undefined;
}

/** Read-only: takes no lock and writes nothing. */
export async function planCluster(
  ws: Workspace,
  provider: Provider,
  request: PlanRequest,
): Promise<PlanResult> {
  const opened = await openState(ws.log);
  const { plan } = await computePlan(ws, opened.state, provider, request);
  return {
    plan,
    state: opened.state,
    warnings: opened.warnings,
    pending: pendingRun(opened.state),
    lastFailed: lastFailedRun(opened.state),
  };
}

export interface ApplyHooks {
  onWarning(message: string): void;
  /** Shown the plan before anything runs; resolves true to go ahead. */
  confirm(plan: Plan): Promise<boolean>;
  /** Creates the live view for a plan that is about to run. */
  onRunStart(plan: Plan): EngineEventSink;
}

export interface ApplyRequest extends PlanRequest {
  parallelism: number;
  signal?: AbortSignal;
  /** A saved plan to apply; refused if stale. */
  saved?: { plan: Plan; path: string };
}

export interface ApplyResult {
  plan: Plan;
  /** Undefined when there was nothing to do or the user declined. */
  result?: RunResult;
  declined?: boolean;
}

function resumePendingError(run: RunRecord): Hk8sError {
  return new Hk8sError('run.resume-pending', `run ${run.id} (${run.command}) did not finish`, {
    hint: 'Run `hk8s resume` to reconcile what it started and complete it before making new changes.',
  });
}

/** Lock → read → refuse if a run is pending → plan → confirm → execute → unlock. */
export async function applyCluster(
  ws: Workspace,
  provider: Provider,
  request: ApplyRequest,
  hooks: ApplyHooks,
): Promise<ApplyResult> {
  const lock = await ws.log.acquire({ command: request.command });
  try {
    lock.warnings.forEach(hooks.onWarning);
    const opened = await openState(ws.log);
    opened.warnings.forEach(hooks.onWarning);
    const pending = pendingRun(opened.state);
    if (pending) throw resumePendingError(pending);
    const failed = lastFailedRun(opened.state);
    if (failed) {
      hooks.onWarning(`The last run (${failed.id}) failed; this plan is made from what exists now.`);
    }
    const computed = await computePlan(ws, opened.state, provider, request);
    const { plan } = computed;
    if (request.saved) assertPlanFresh(request.saved.plan, plan, request.saved.path);
    if (!hasChanges(plan)) return { plan };
    if (!(await hooks.confirm(plan))) return { plan, declined: true };
    return {
      plan,
      result: await runPlan(ws, provider, opened.state, computed, request, hooks, request.command),
    };
  } finally {
    await lock.release();
  }
}

export async function runPlan(
  ws: Workspace,
  provider: Provider,
  state: State,
  { plan, records }: Computed,
  request: ApplyRequest,
  hooks: ApplyHooks,
  command: 'apply' | 'resume' | 'destroy',
): Promise<RunResult> {
  if (state.head.seq === 0) {
    await ws.log.append([
      { type: 'LogCreated', run: null, data: { cluster: ws.cluster, format: 1, hk8sVersion: HK8S_VERSION } },
    ]);
  }
  return executeGraph(plan.graph, {
    run: newRunId(),
    command,
    planHash: plan.inputsHash,
    specHash: plan.specHash,
    hk8sVersion: HK8S_VERSION,
    parallelism: request.parallelism,
    journal: ws.log,
    runner: provider.runner,
    records,
    secrets: stateSecrets(state),
    signal: request.signal,
    onEvent: hooks.onRunStart(plan),
  });
}

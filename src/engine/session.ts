/**
 * The use cases behind plan, apply, resume and destroy: read everything, plan without I/O,
 * execute under the lock. Commands call these and only render.
 */
import { randomBytes } from 'node:crypto';
import { Hk8sError } from '../errors.js';
import type { EngineEventSink, EngineWarning } from '../execute/events.js';
import { executeGraph, type RunResult } from '../execute/execute.js';
import type { ResourceRecord } from '../execute/runner.js';
import type { ObservedResource } from '../plan/types.js';
import { assertPlanFresh } from '../plan/plan-file.js';
import { hasChanges, makePlan, type Plan, type PlanCommand } from '../plan/plan.js';
import { openState } from '../state/log-store.js';
import { lastRun, pendingRun, type RunRecord, type State } from '../state/reducer.js';
import { warnEndpoints } from './endpoint-warnings.js';
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

/** Where the engine's events go outside a run: warnings, as typed events. */
export function warn(events: EngineEventSink, warning: EngineWarning): void {
  events({ type: 'warning', warning });
}

export function warnStateLog(events: EngineEventSink, messages: readonly string[]): void {
  for (const message of messages) warn(events, { kind: 'state-log', message });
}

export async function computePlan(
  ws: Workspace,
  state: State,
  provider: Provider,
  request: PlanRequest,
  events: EngineEventSink,
): Promise<Computed> {
  const observation = await provider.observe({ includeVolumes: request.includeVolumes });
  for (const object of observation.unaddressed ?? []) warn(events, { kind: 'unaddressed-object', object });
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
    ...(provider.talos ? { talos: talosPlanInput(ws.spec, state, resources, provider.hcloudToken) } : {}),
  });
  if (request.command === 'apply') warnEndpoints(ws.spec, events);
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
  events: EngineEventSink,
): Promise<PlanResult> {
  const opened = await openState(ws.log);
  const { plan } = await computePlan(ws, opened.state, provider, request, events);
  warnStateLog(events, opened.warnings);
  const pending = pendingRun(opened.state);
  const lastFailed = lastFailedRun(opened.state);
  if (pending) warn(events, { kind: 'run-pending', run: pending.id, command: pending.command });
  else if (lastFailed) warn(events, { kind: 'last-run-failed', run: lastFailed.id, during: 'plan' });
  return {
    plan,
    state: opened.state,
    ...(pending ? { pending } : {}),
    ...(lastFailed ? { lastFailed } : {}),
  };
}

export interface ApplyHooks {
  /** The engine's events outside a run (warnings). */
  events: EngineEventSink;
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
    warnStateLog(hooks.events, lock.warnings);
    const opened = await openState(ws.log);
    warnStateLog(hooks.events, opened.warnings);
    const pending = pendingRun(opened.state);
    if (pending) throw resumePendingError(pending);
    const failed = lastFailedRun(opened.state);
    if (failed) warn(hooks.events, { kind: 'last-run-failed', run: failed.id, during: 'apply' });
    const computed = await computePlan(ws, opened.state, provider, request, hooks.events);
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
  return executeGraph(plan.graph, {
    run: newRunId(),
    ...(state.head.seq === 0
      ? { logCreated: { cluster: ws.cluster, format: 1, hk8sVersion: HK8S_VERSION } as const }
      : {}),
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

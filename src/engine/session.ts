/**
 * The use cases behind plan, apply, resume and destroy: read everything, plan without I/O,
 * execute under the lock. Commands call these and only render.
 */
import { randomBytes } from 'node:crypto';
import { Hk8sError } from '../errors.js';
import type { EngineEventSink, EngineWarning } from '../execute/events.js';
import { executeGraph, type RunResult } from '../execute/execute.js';
import type { ResourceRecord } from '../execute/runner.js';
import type { DesiredResource, ObservedResource } from '../plan/types.js';
import { assertPlanFresh, assertPlanTarget } from '../plan/plan-file.js';
import { protectedRemovals } from '../plan/protection.js';
import { hasChanges, makePlan, type Plan, type PlanCommand, type PlanInputs } from '../plan/plan.js';
import { openState } from '../state/log-store.js';
import { lastRun, pendingRun, type RunRecord, type State } from '../state/reducer.js';
import { warnEndpoints } from './endpoint-warnings.js';
import { desiredResources } from './infra.js';
import { assertReplaceKnown, assertTargetsKnown } from './targets.js';
import { assertCloudFacts, catalogNeeds, observedNetworkZone, poolsToCheck } from './cloud-facts.js';
import { observeClusterKubernetes } from './kube-observation.js';
import { observedImages } from './images.js';
import { imagesToDestroy } from './destroy-images.js';
import { defaultParallelism } from './parallelism.js';
import { schematicIdFor } from '../talos/config/schematic.js';
import { observedTalosInput, talosPlanInput } from './talos-inputs.js';
import { assertVersionChanges, runningVersions } from './version-check.js';
import { addonInputs } from '../addons/plan-input.js';
import { replacingServers, surgePools } from '../plan/talos/surge.js';
import { diffResources } from '../plan/diff.js';
import type { Observation, Provider } from './provider.js';
import { HK8S_VERSION } from './version.js';
import type { Workspace } from './workspace.js';
import { guardBeforeObserving, guardObserved, recordTarget, type TargetFlags } from './target-guard.js';
import type { TargetRecordedData } from '../state/events.js';

export interface PlanRequest extends TargetFlags {
  command: PlanCommand;
  targets?: string[];
  replace?: string[];
  includeVolumes?: boolean;
  /** `destroy --include-images`: also the cluster's Talos images no other cluster boots from. */
  includeImages?: boolean;
  /** `--force`: allow what hk8s refuses by default (a Talos downgrade, an even control-plane count). */
  force?: boolean;
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
  /** Observed objects the state has no record of (or another id for): recorded before a run. */
  unrecorded: ObservedResource[];
  /** What is known of every resource (state records overlaid with observation), by address. */
  records: Map<string, ResourceRecord>;
  /** The target to record before the first change (first run, or a move the user accepted). */
  target?: TargetRecordedData;
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
  // Before any API call: a version the cluster cannot take stops here, not at apply-config.
  if (request.command !== 'destroy') {
    assertVersionChanges(ws.loaded, runningVersions(state), request.force === true);
  }
  // Before any request: a renamed cluster and another endpoint stop here (exit 4, exit 13).
  await guardBeforeObserving(ws, state, provider, request.command, request);
  const observation = await provider.observe({ includeVolumes: request.includeVolumes });
  const target = guardObserved(ws, state, provider, request, observation.resources, events);
  for (const object of observation.unaddressed ?? []) warn(events, { kind: 'unaddressed-object', object });
  // Before anything else is read: a server the cloud cannot make stops the plan here (exit 4).
  const checked =
    request.command === 'destroy'
      ? { desired: [], images: [] }
      : await checkedDesired(ws, state, provider, observation);
  let desired = checked.desired;
  // Volumes hold data: only `destroy --include-volumes` sees (and so deletes) them.
  const keepVolumes = request.command === 'destroy' && request.includeVolumes === true;
  // Talos images are shared: one is seen only while a server of this plan needs it, never deleted here.
  const wanted = new Set(desired.filter((d) => d.type === 'image').map((d) => d.address));
  const found = new Set(checked.images.map((i) => i.address));
  const resources = [
    ...observation.resources.filter(
      (r) =>
        (r.type !== 'volume' || keepVolumes) &&
        (r.type !== 'image' || (wanted.has(r.address) && !found.has(r.address))),
    ),
    ...checked.images,
    ...(request.command === 'destroy' && request.includeImages === true && provider.projectImages
      ? imagesToDestroy(ws.spec, await provider.projectImages(), observation.resources, events)
      : []),
  ].sort((a, b) => a.address.localeCompare(b.address));
  const kube = await observeClusterKubernetes(ws.spec, state, provider, request.command, events);
  // Destroying needs no versions: it only forgets the Talos records.
  const talos = !provider.talos
    ? undefined
    : request.command === 'destroy'
      ? talosPlanInput(ws.spec, state, resources, kube, provider.hcloudToken)
      : await observedTalosInput(ws.spec, state, resources, provider, kube);
  if (request.replace && request.replace.length > 0) {
    assertReplaceKnown(
      request.replace,
      resources.map((o) => o.address),
    );
  }
  // Surge servers are wanted while their pool has nodes to upgrade (known once the versions are)
  // or to replace (known from the infrastructure's diff).
  const surge =
    talos && request.command !== 'destroy'
      ? surgePools(talos, replacingServers(diffResources(desired, resources, { replace: request.replace })))
      : [];
  if (surge.length > 0) desired = (await checkedDesired(ws, state, provider, observation, surge)).desired;
  const addons =
    talos && ws.addons.addons.length + ws.addons.problems.length > 0
      ? addonInputs(ws.addons, ws.spec, talos.layout, talos.facts, state, lastFailedRun(state) !== undefined)
      : undefined;
  for (const warning of addons?.warnings ?? []) warn(events, warning);
  const inputs: PlanInputs = {
    cluster: ws.cluster,
    command: request.command,
    specHash: ws.loaded.hash,
    stateHead: state.head,
    desired,
    observed: resources,
    targets: request.targets,
    replace: request.replace,
    ...(request.force === true ? { force: true } : {}),
    ...(talos ? { talos } : {}),
    ...(addons ? { addons: addons.input } : {}),
  };
  if (request.targets && request.targets.length > 0) {
    const whole = makePlan({ ...inputs, targets: undefined }).graph.actions.map((a) => a.address);
    assertTargetsKnown(request.targets, [
      ...whole,
      ...inputs.desired.map((d) => d.address),
      ...resources.map((o) => o.address),
      ...Object.keys(state.resources),
    ]);
  }
  // The plan names the cloud it was made against: a saved plan is refused elsewhere.
  const plan: Plan = { ...makePlan(inputs), ...(provider.target ? { target: provider.target } : {}) };
  if (request.command === 'apply') warnEndpoints(ws.spec, events);
  refuseProtectedRemovals(ws, plan);
  // Found images are known to this run, but not recorded as the cluster's: they are the project's.
  const unrecorded = observation.resources.filter((o) => state.resources[o.address]?.id !== o.id);
  return {
    plan,
    unrecorded,
    records: knownRecords(state, [...observation.resources, ...resources.filter((r) => r.type === 'image')]),
    ...(target ? { target } : {}),
  };
}

/**
 * The desired resources, after the cloud's catalogue confirmed what they need (src/engine/cloud-facts.ts),
 * and the Talos images the catalogue found for them (shared by the project's clusters, so found by
 * version, schematic and architecture, never by cluster). The catalogue is read only when servers
 * are to be created or change type.
 */
async function checkedDesired(
  ws: Workspace,
  state: State,
  provider: Provider,
  observation: Observation,
  surge: readonly string[] = [],
): Promise<{ desired: DesiredResource[]; images: ObservedResource[] }> {
  const desired = desiredResources(ws.spec, state, observation, undefined, surge);
  const pools = poolsToCheck(ws.spec, desired, observation.resources);
  const needs = catalogNeeds(pools, { version: ws.spec.talos.version, schematic: schematicIdFor(ws.spec) });
  if (!provider.catalog || !needs) return { desired, images: [] };
  const catalog = await provider.catalog(needs);
  assertCloudFacts(ws.loaded, {
    spec: ws.spec,
    pools,
    catalog,
    networkZone: observedNetworkZone(observation.resources),
    now: Date.now(),
  });
  const architectures = Object.fromEntries(catalog.serverTypes.map((t) => [t.name, t.architecture]));
  const wanted = desiredResources(ws.spec, state, observation, architectures, surge);
  return { desired: wanted, images: observedImages(wanted, catalog.talosImages ?? []) };
}

/** Protected objects stay while the spec protects them; the way out is the spec, said in one line. */
function refuseProtectedRemovals(ws: Workspace, plan: Plan): void {
  if (!ws.spec.cluster.deleteProtection) return;
  const addresses = protectedRemovals(plan.graph.actions);
  if (addresses.length === 0) return;
  const shown =
    addresses.length > 3
      ? `${addresses.slice(0, 3).join(', ')} and ${addresses.length - 3} more`
      : addresses.join(', ');
  throw new Hk8sError(
    'spec.protected',
    `the plan would delete ${shown}, which ${addresses.length === 1 ? 'is' : 'are'} delete-protected`,
    {
      where: `${ws.loaded.path}: cluster.deleteProtection`,
      hint: 'Set `cluster.deleteProtection: false` in the spec and run the command again; hk8s then lifts the protection as part of the change.',
    },
  );
}

/**
 * What exists but the state does not know — a create whose answer said "failed" after the object
 * was made, an object adopted by observation — is written down under the lock, so `status`, the
 * kubeconfig and later runs see it even when the plan has nothing to do.
 */
export async function recordUnrecorded(
  ws: Workspace,
  unrecorded: readonly ObservedResource[],
): Promise<void> {
  if (unrecorded.length === 0) return;
  await ws.log.append(
    unrecorded.map((o) => ({
      type: 'ResourceRecorded' as const,
      run: null,
      data: { resource: { address: o.address, type: o.type, id: o.id, attrs: o.props } },
    })),
  );
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
  /** Absent: as many as the plan and the request budget allow (src/engine/parallelism.ts). */
  parallelism?: number;
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
    if (request.saved) assertPlanTarget(request.saved.plan, provider.target, request.saved.path);
    const computed = await computePlan(ws, opened.state, provider, request, hooks.events);
    const { plan } = computed;
    if (request.saved) assertPlanFresh(request.saved.plan, plan, request.saved.path);
    let state = opened.state;
    // The target goes first, before anything else this run writes.
    if (computed.unrecorded.length > 0) state = await recordTarget(ws, state, computed.target);
    await recordUnrecorded(ws, computed.unrecorded);
    const moved = request.acceptEndpoint === true || request.acceptMissing === true;
    if (!hasChanges(plan)) {
      if (moved && state === opened.state) await recordTarget(ws, state, computed.target);
      return { plan };
    }
    if (!(await hooks.confirm(plan))) return { plan, declined: true };
    if (state === opened.state) state = await recordTarget(ws, state, computed.target);
    return {
      plan,
      result: await runPlan(ws, provider, state, computed, request, hooks, request.command),
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
    parallelism:
      request.parallelism ?? defaultParallelism(provider.requestBudget?.(), plan.graph.actions.length),
    journal: ws.log,
    runner: provider.runner,
    records,
    secrets: stateSecrets(state),
    signal: request.signal,
    onEvent: hooks.onRunStart(plan),
  });
}

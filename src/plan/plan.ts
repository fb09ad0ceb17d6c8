/**
 * plan(desired, observed, state head) → Plan. Pure and deterministic: the same inputs give a
 * byte-identical plan, and the plan carries the hash of those inputs so a saved plan can be
 * refused once the world has moved on.
 */
import { diffResources } from './diff.js';
import { restrictToTargets, sortGraph } from './graph.js';
import { planTalos, REBOOT_GROUP, type TalosPlan, type TalosPlanInput } from './talos/plan-talos.js';
import { hashOf } from './hash.js';
import { planRolling } from './rolling.js';
import { forgetAddons, planAddons, type AddonPlanInput } from '../addons/plan-addons.js';
import { addonGate } from '../addons/plan-input.js';
import { HCLOUD_RESOURCES, rulesFor, type HcloudRegistry } from '../resources/registry.js';
import {
  ACTION_KINDS,
  type Action,
  type ActionCounts,
  type ActionGraph,
  type DesiredResource,
  type ObservedResource,
} from './types.js';

export const PLAN_FORMAT_VERSION = 1;

export type AddonsPlanInput = Omit<AddonPlanInput, 'gate'>;

export type PlanCommand = 'apply' | 'destroy';

export interface PlanInputs {
  cluster: string;
  command: PlanCommand;
  specHash: string;
  /** The event log's head when the plan was made. */
  stateHead: { seq: number; hash: string | null };
  desired: DesiredResource[];
  observed: ObservedResource[];
  targets?: string[];
  replace?: string[];
  /** `--force`: plan what hk8s refuses by default (an even number of control planes). */
  force?: boolean;
  /** The Talos half: absent when only the infrastructure is planned (tests, Talos off). */
  talos?: TalosPlanInput;
  /** The addon half: planned after the cluster is up; absent with no Talos half. */
  addons?: AddonsPlanInput;
}

export interface Plan {
  formatVersion: typeof PLAN_FORMAT_VERSION;
  cluster: string;
  command: PlanCommand;
  inputsHash: string;
  specHash: string;
  stateHead: { seq: number; hash: string | null };
  targets: string[];
  replace: string[];
  /** Present (true) when the plan was made with `--force`. */
  force?: true;
  /** The cloud it was made against (endpoint, project fingerprint): a saved plan is refused elsewhere. */
  target?: { endpoint: string; project: string };
  graph: ActionGraph;
  summary: ActionCounts;
}

export function inputsHash(inputs: PlanInputs): string {
  return hashOf({
    formatVersion: PLAN_FORMAT_VERSION,
    cluster: inputs.cluster,
    command: inputs.command,
    specHash: inputs.specHash,
    stateHead: inputs.stateHead,
    observed: [...inputs.observed].sort((a, b) => a.address.localeCompare(b.address)),
    targets: [...(inputs.targets ?? [])].sort(),
    replace: [...(inputs.replace ?? [])].sort(),
    // What the nodes run for Kubernetes is observed too: a plan made before they moved is stale.
    ...(inputs.talos?.kubernetes ? { kubernetes: inputs.talos.kubernetes } : {}),
    // Only when set, so that the hash of every plan made without it stays what it was.
    ...(inputs.force === true ? { force: true } : {}),
    addons: (inputs.addons?.outcome.rendered ?? []).map((a) => `${a.name}@${a.version}`),
    // Observed Talos versions: a saved plan goes stale once a node's version moves.
    talosVersions: inputs.talos?.versions,
  });
}

/** `registry` is where resource types' rules come from; tests pass one with types of their own. */
export function makePlan(inputs: PlanInputs, registry: HcloudRegistry = HCLOUD_RESOURCES): Plan {
  const destroy = inputs.command === 'destroy';
  const infra = diffResources(destroy ? [] : inputs.desired, inputs.observed, {
    replace: inputs.replace,
    destroy,
    registry,
  });
  const serial = (action: Action) => 'type' in action && rulesFor(action.type, registry).serial === true;
  const force = inputs.force === true;
  const talos = inputs.talos && planTalos({ ...inputs.talos, force }, infra, destroy);
  const withTalosActions =
    talos && inputs.talos ? withRolling(withTalos(infra, talos), inputs.talos.spec) : infra;
  const actions = inputs.addons
    ? [...withTalosActions, ...addonActions(inputs.addons, talos?.actions ?? [], destroy)]
    : withTalosActions;
  const groups = {
    ...serialGroups(actions, serial),
    ...talos?.groups,
    ...(actions.some((a) => a.group === REBOOT_GROUP) ? { [REBOOT_GROUP]: { limit: 1 } } : {}),
    ...talos?.groups,
  };
  let graph = sortGraph(
    actions.map((a) => withSerialGroup(a, serial)),
    groups,
  );
  if (inputs.targets && inputs.targets.length > 0) graph = restrictToTargets(graph, inputs.targets);
  return {
    formatVersion: PLAN_FORMAT_VERSION,
    cluster: inputs.cluster,
    command: inputs.command,
    inputsHash: inputsHash(inputs),
    specHash: inputs.specHash,
    stateHead: inputs.stateHead,
    targets: [...(inputs.targets ?? [])].sort(),
    replace: [...(inputs.replace ?? [])].sort(),
    ...(force ? { force: true as const } : {}),
    graph,
    summary: countActions(graph),
  };
}

function addonActions(addons: AddonsPlanInput, talos: readonly Action[], destroy: boolean): Action[] {
  return destroy ? forgetAddons(addons.applied) : planAddons({ ...addons, gate: addonGate(talos) });
}

function withTalos(infra: Action[], talos: TalosPlan): Action[] {
  const extra = new Map<string, string[]>();
  for (const [from, to] of talos.edges) extra.set(from, [...(extra.get(from) ?? []), to]);
  const linked = infra.map((a) =>
    extra.has(a.id)
      ? { ...a, dependsOn: [...new Set([...a.dependsOn, ...(extra.get(a.id) ?? [])])].sort() }
      : a,
  );
  return [...linked, ...talos.actions];
}

/** Server updates that take nodes down, ordered and gated (rolling.ts). */
function withRolling(actions: Action[], spec: TalosPlanInput['spec']): Action[] {
  const rolling = planRolling(actions, spec);
  const extra = new Map<string, string[]>();
  for (const [from, to] of rolling.links) extra.set(from, [...(extra.get(from) ?? []), to]);
  const linked = actions.map((a) =>
    extra.has(a.id)
      ? { ...a, dependsOn: [...new Set([...a.dependsOn, ...(extra.get(a.id) ?? [])])].sort() }
      : a,
  );
  return [...linked, ...rolling.actions];
}

/** Actions on a serial type share a group of that type's name, limited to one at a time. */
function withSerialGroup(action: Action, serial: (action: Action) => boolean): Action {
  if (!('type' in action) || !serial(action)) return action;
  return { ...action, group: action.type };
}

function serialGroups(
  actions: readonly Action[],
  serial: (action: Action) => boolean,
): ActionGraph['groups'] {
  const groups: ActionGraph['groups'] = {};
  for (const action of actions) if ('type' in action && serial(action)) groups[action.type] = { limit: 1 };
  return groups;
}

export function countActions(graph: ActionGraph): ActionCounts {
  const counts = Object.fromEntries(ACTION_KINDS.map((k) => [k, 0])) as ActionCounts;
  for (const action of graph.actions) counts[action.kind]++;
  return counts;
}

export function hasChanges(plan: Plan): boolean {
  return plan.graph.actions.length > 0;
}

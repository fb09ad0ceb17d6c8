/**
 * The addon half of a plan. Pure: from what the addons render now and what hk8s applied before
 * (the `addon` records of the event log) to create / update / delete actions per object, an
 * install record per addon that waits until the addon is Ready, and the cluster's final readiness
 * gate. Objects of an addon that was skipped (broken plugin, failed render) are left alone.
 */
import { fieldPatch } from '../plan/diff.js';
import { hashOf } from '../plan/hash.js';
import type { Action, Json, JsonObject, ObservedResource, WaitAction } from '../plan/types.js';
import { addonAddress, type RenderOutcome, type RenderedAddon, type RenderedObject } from './render.js';
import { readinessChecks } from './checks.js';

export const CLUSTER_READY = 'cluster.ready';

export interface AddonPlanInput {
  outcome: RenderOutcome;
  /** The `addon` records hk8s keeps: what was applied. */
  applied: readonly ObservedResource[];
  /** Names of addons whose objects may be deleted when they are not rendered (loaded or explicitly off). */
  prunable: ReadonlySet<string>;
  /** Ids of the actions that must succeed before the cluster's API can be used (health, kubeconfig, Kubernetes upgrade steps). */
  gate: readonly string[];
  /** Every node hk8s expects in the cluster. */
  nodes: readonly string[];
  /** Check the cluster's readiness even if nothing changes (the last run failed). */
  recheck: boolean;
}

export interface ObjectProps extends JsonObject {
  role: 'object';
  addon: string;
  once: boolean;
  object: JsonObject;
}

export interface AddonProps extends JsonObject {
  role: 'addon';
  addon: string;
  version: string;
  dependsOn: string[];
  checks: JsonObject[];
  digest: string;
}

/** Lower applies first within an addon (and is deleted last). */
function kindRank(kind: string): number {
  if (kind === 'Namespace') return 0;
  if (kind === 'CustomResourceDefinition') return 1;
  if (
    [
      'ServiceAccount',
      'ClusterRole',
      'Role',
      'ClusterRoleBinding',
      'RoleBinding',
      'ConfigMap',
      'Secret',
    ].includes(kind)
  )
    return 2;
  return 3;
}

function objectProps(addon: string, rendered: RenderedObject): ObjectProps {
  return { role: 'object', addon, once: rendered.once, object: rendered.object as unknown as JsonObject };
}

function addonProps(addon: RenderedAddon): AddonProps {
  return {
    role: 'addon',
    addon: addon.name,
    version: addon.version,
    dependsOn: addon.dependsOn,
    checks: readinessChecks(addon.objects.map((o) => o.object)) as unknown as JsonObject[],
    digest: hashOf({ objects: addon.objects.map((o) => o.object), secrets: addon.secrets }),
  };
}

const roleOf = (props: JsonObject): string => String(props.role ?? '');
const addonOf = (props: JsonObject): string => String(props.addon ?? '');
const kindOf = (props: JsonObject): string =>
  String((props.object as { kind?: Json } | undefined)?.kind ?? '');

interface Planned {
  action: Action;
  addon: string;
  rank: number;
  role: 'object' | 'addon';
}

function describeObjectChange(before: JsonObject, after: JsonObject): string {
  const fields = [
    ...new Set(fieldPatch(before, after).map((op) => op.path.split('/').slice(2, 4).join('.'))),
  ];
  return `${fields.slice(0, 4).join(', ')}${fields.length > 4 ? ', …' : ''} changed`;
}

/**
 * `installed`: the addon's install record exists. Until then a changed run-once object (an
 * installer Job that failed) is replaced, so fixing the spec lets the install run again.
 */
function createOrUpdate(
  address: string,
  props: JsonObject,
  have: ObservedResource | undefined,
  reason: string,
  installed: boolean,
): Action | undefined {
  if (!have)
    return { kind: 'create', id: `create:${address}`, address, type: 'addon', props, dependsOn: [], reason };
  const before = have.props;
  const patch = fieldPatch(before, props);
  if (patch.length === 0) return undefined;
  if (props.role === 'object' && props.once === true) {
    if (installed) return undefined;
    return {
      kind: 'replace',
      id: `replace:${address}`,
      address,
      type: 'addon',
      resourceId: have.id,
      before,
      after: props,
      props,
      patch,
      forcedBy: ['/object'],
      dependsOn: [],
      reason: 'runs once: made again because it changed before the addon was installed',
    };
  }
  const why = props.role === 'object' ? describeObjectChange(before, props) : 'its objects changed';
  return {
    kind: 'update',
    id: `update:${address}`,
    address,
    type: 'addon',
    resourceId: have.id,
    before,
    after: props,
    patch,
    dependsOn: [],
    reason: why,
  };
}

function deletion(have: ObservedResource, reason: string): Action {
  return {
    kind: 'delete',
    id: `delete:${have.address}`,
    address: have.address,
    type: 'addon',
    resourceId: have.id,
    before: have.props,
    dependsOn: [],
    reason,
  };
}

function plannedChanges(input: AddonPlanInput): Planned[] {
  const applied = new Map(input.applied.map((r) => [r.address, r]));
  const rendered = new Map(input.outcome.rendered.map((a) => [a.name, a]));
  const skipped = new Set(
    input.outcome.problems.map((p) => p.addon).filter((n): n is string => n !== undefined),
  );
  const planned: Planned[] = [];
  const wanted = new Set<string>();
  for (const addon of input.outcome.rendered) {
    for (const object of addon.objects) {
      wanted.add(object.address);
      const action = createOrUpdate(
        object.address,
        objectProps(addon.name, object),
        applied.get(object.address),
        'not applied yet',
        applied.has(addonAddress(addon.name)),
      );
      if (action)
        planned.push({ action, addon: addon.name, rank: kindRank(object.object.kind), role: 'object' });
    }
    const address = addonAddress(addon.name);
    wanted.add(address);
    const action = createOrUpdate(
      address,
      addonProps(addon),
      applied.get(address),
      'not installed yet',
      true,
    );
    if (action) planned.push({ action, addon: addon.name, rank: 4, role: 'addon' });
  }
  for (const have of [...applied.values()].sort((a, b) => a.address.localeCompare(b.address))) {
    if (wanted.has(have.address)) continue;
    const addon = addonOf(have.props);
    if (skipped.has(addon) || !input.prunable.has(addon)) continue;
    const reason = rendered.has(addon) ? `${addon} no longer renders it` : `${addon} is disabled`;
    const role = roleOf(have.props) === 'addon' ? 'addon' : 'object';
    planned.push({
      action: deletion(have, reason),
      addon,
      rank: role === 'addon' ? 4 : kindRank(kindOf(have.props)),
      role,
    });
  }
  return planned;
}

/** Which addons each addon waits for: its own dependencies, and every before-Ready addon if it is not one. */
function addonNeeds(input: AddonPlanInput): Map<string, Set<string>> {
  const early = input.outcome.rendered.filter((a) => a.beforeReady).map((a) => a.name);
  const needs = new Map<string, Set<string>>();
  for (const addon of input.outcome.rendered) {
    needs.set(
      addon.name,
      new Set([...addon.dependsOn, ...(addon.beforeReady ? [] : early)].filter((n) => n !== addon.name)),
    );
  }
  return needs;
}

/** Who depends on an addon, from what renders now and what the records remember (for deletions). */
function dependents(input: AddonPlanInput): Map<string, Set<string>> {
  const users = new Map<string, Set<string>>();
  const add = (user: string, used: string) => users.set(used, new Set([...(users.get(used) ?? []), user]));
  for (const addon of input.outcome.rendered) for (const dep of addon.dependsOn) add(addon.name, dep);
  for (const record of input.applied) {
    if (roleOf(record.props) !== 'addon') continue;
    const deps = record.props.dependsOn;
    if (Array.isArray(deps)) for (const dep of deps) add(addonOf(record.props), String(dep));
  }
  return users;
}

function link(planned: Planned[], input: AddonPlanInput): Action[] {
  const needs = addonNeeds(input);
  const users = dependents(input);
  const installs = new Map(
    planned
      .filter((p) => p.role === 'addon' && p.action.kind !== 'delete')
      .map((p) => [p.addon, p.action.id]),
  );
  return planned.map(({ action, addon, rank, role }) => {
    const deps = new Set<string>();
    const same = planned.filter((p) => p.addon === addon && p.action.id !== action.id);
    if (action.kind === 'delete') {
      // Inside out: what uses an object goes first; objects of dependent addons before the addon they need.
      for (const p of same) if (p.action.kind === 'delete' && p.rank > rank) deps.add(p.action.id);
      for (const user of users.get(addon) ?? []) {
        for (const p of planned) if (p.addon === user && p.action.kind === 'delete') deps.add(p.action.id);
      }
    } else {
      input.gate.forEach((id) => deps.add(id));
      for (const p of same) if (p.action.kind !== 'delete' && p.rank < rank) deps.add(p.action.id);
      if (role === 'object')
        for (const dep of needs.get(addon) ?? []) {
          const install = installs.get(dep);
          if (install) deps.add(install);
        }
    }
    deps.delete(action.id);
    return { ...action, dependsOn: [...deps].sort() };
  });
}

const isInstall = (action: Action) => /^addon\.[^.]+$/.test(action.address);

function readinessGate(input: AddonPlanInput, actions: readonly Action[]): WaitAction {
  const provides = new Set(input.outcome.rendered.flatMap((a) => a.provides));
  const installs = actions.filter((a) => a.kind !== 'delete' && isInstall(a)).map((a) => a.id);
  return {
    kind: 'wait',
    id: `wait:${CLUSTER_READY}`,
    address: CLUSTER_READY,
    condition: 'cluster-ready',
    reason: 'every node Ready and initialized, every addon Ready',
    dependsOn: [...new Set([...input.gate, ...installs])].sort(),
    detail: {
      nodes: [...input.nodes].sort(),
      providerIds: provides.has('cloud-controller'),
      addons: input.outcome.rendered.map((a) => a.name),
    },
  };
}

export function planAddons(input: AddonPlanInput): Action[] {
  const actions = link(plannedChanges(input), input);
  const changing = actions.length > 0 || input.gate.length > 0;
  if (!changing && !input.recheck) return actions;
  if (input.nodes.length === 0) return actions;
  return [...actions, readinessGate(input, actions)];
}

/** On destroy the cluster goes with its servers: the records are only forgotten. */
export function forgetAddons(applied: readonly ObservedResource[]): Action[] {
  return [...applied]
    .sort((a, b) => a.address.localeCompare(b.address))
    .map((have) => ({
      ...deletion(have, 'destroying the cluster'),
      before: { ...have.props, forget: true },
    }));
}

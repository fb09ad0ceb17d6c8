/**
 * Compares what the spec wants with what exists and emits the actions between them. Pure.
 */
import jsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { Hk8sError } from '../errors.js';
import { HCLOUD_RESOURCES, rulesFor, type HcloudRegistry } from '../resources/registry.js';
import { isUnder } from '../resources/types.js';
import type {
  Action,
  DeleteAction,
  DesiredResource,
  DrainAction,
  JsonObject,
  ObservedResource,
  ReplaceAction,
  ResourceType,
} from './types.js';

export interface DiffOptions {
  /** Addresses to replace even if nothing changed (`--replace`). */
  replace?: readonly string[];
  /** Destroying the cluster: no drains, everything goes. */
  destroy?: boolean;
  /** Where each type's rules come from (tests register types of their own). */
  registry?: HcloudRegistry;
}

export function actionId(kind: Action['kind'], address: string): string {
  return `${kind}:${address}`;
}

/** Only the fields the spec manages are compared: extra observed fields are Hetzner's business. */
export function comparableProps(props: JsonObject, keys: readonly string[], createOnly: readonly string[]) {
  const picked: JsonObject = {};
  for (const key of keys) {
    if (createOnly.some((p) => isUnder(`/${key}`, p))) continue;
    if (key in props) picked[key] = props[key] as JsonObject[string];
  }
  return picked;
}

export function fieldPatch(before: JsonObject, after: JsonObject): Operation[] {
  return jsonPatch.compare(before, after);
}

function changedPointers(patch: readonly Operation[]): string[] {
  return patch.map((op) => op.path);
}

function describeChange(patch: readonly Operation[]): string {
  const fields = [...new Set(patch.map((op) => op.path.split('/')[1] ?? op.path))];
  return `${fields.join(', ')} changed`;
}

interface Paired {
  desired?: DesiredResource;
  observed?: ObservedResource;
}

function pairByAddress(desired: readonly DesiredResource[], observed: readonly ObservedResource[]) {
  const pairs = new Map<string, Paired>();
  for (const d of desired) pairs.set(d.address, { desired: d });
  for (const o of observed) pairs.set(o.address, { ...pairs.get(o.address), observed: o });
  return [...pairs.entries()].sort(([a], [b]) => a.localeCompare(b));
}

/**
 * The actions for one diff. Dependencies between them come from `dependsOn` (creates wait for
 * what they need) and from delete ranks (deletes run in reverse order of need).
 */
export function diffResources(
  desired: readonly DesiredResource[],
  observed: readonly ObservedResource[],
  options: DiffOptions = {},
): Action[] {
  const forced = new Set(options.replace ?? []);
  const registry = options.registry ?? HCLOUD_RESOURCES;
  for (const address of forced) {
    // A resource the spec wants that is gone (an interrupted replacement deleted it) is created anyway.
    const wanted = desired.some((d) => d.address === address);
    if (!wanted && !observed.some((o) => o.address === address)) {
      throw new Hk8sError('plan.target', `cannot replace ${address}: it does not exist`, {
        where: address,
        hint: 'Run `hk8s state list` to see the addresses that exist.',
      });
    }
  }
  const actions: Action[] = [];
  for (const [address, { desired: want, observed: have }] of pairByAddress(desired, observed)) {
    if (want && !have) {
      actions.push({
        kind: 'create',
        id: actionId('create', address),
        address,
        type: want.type,
        props: want.props,
        dependsOn: [],
        reason: want.type === 'image' ? 'build: no such Talos snapshot in the project' : 'does not exist yet',
      });
    } else if (!want && have) {
      actions.push(
        ...deletion(
          have,
          options.destroy ? 'destroying the cluster' : 'no longer in the spec',
          options,
          registry,
        ),
      );
    } else if (want && have) {
      const change = compareResource(want, have, forced.has(address), registry);
      if (change) actions.push(...change);
    }
  }
  return linkDependencies(actions, desired, registry);
}

function compareResource(
  want: DesiredResource,
  have: ObservedResource,
  force: boolean,
  registry: HcloudRegistry,
): Action[] | undefined {
  const info = rulesFor(want.type, registry);
  const keys = Object.keys(want.props);
  const before = comparableProps(have.props, keys, info.createOnly);
  const after = comparableProps(want.props, keys, info.createOnly);
  const patch = fieldPatch(before, after);
  if (patch.length === 0 && !force) return undefined;
  const immutableChanges = changedPointers(patch).filter((p) =>
    info.immutable.some((prefix) => isUnder(p, prefix)),
  );
  const base = {
    address: want.address,
    type: want.type,
    resourceId: have.id,
    before,
    after,
    patch,
    dependsOn: [],
  };
  if (immutableChanges.length === 0 && !force) {
    const cycles = changedPointers(patch).some((p) =>
      (info.powerCycle ?? []).some((prefix) => isUnder(p, prefix)),
    );
    const reason = `${describeChange(patch)}${cycles ? ' (the server is powered off and on)' : ''}`;
    const update: Action = { ...base, kind: 'update', id: actionId('update', want.address), reason };
    // A node that goes down for the change is drained first, as for a replacement.
    return cycles && info.drainBeforeDelete
      ? [drain(want.address, 'powered off for the change'), update]
      : [update];
  }
  const reason = force
    ? 'replacement requested (--replace)'
    : `${immutableChanges.map((p) => p.slice(1)).join(', ')} cannot change in place`;
  const replace: ReplaceAction = {
    ...base,
    kind: 'replace',
    id: actionId('replace', want.address),
    reason,
    forcedBy: immutableChanges,
    // Create-only fields (the image, the SSH keys) are never compared, but the new server needs them.
    props: want.props,
  };
  return info.drainBeforeDelete ? [drain(want.address, 'replaced'), replace] : [replace];
}

function drain(address: string, why: string): DrainAction {
  return {
    kind: 'drain',
    id: actionId('drain', address),
    address,
    node: address,
    dependsOn: [],
    reason: `node will be ${why}`,
  };
}

function deletion(
  have: ObservedResource,
  reason: string,
  options: DiffOptions,
  registry: HcloudRegistry,
): Action[] {
  const del: DeleteAction = {
    kind: 'delete',
    id: actionId('delete', have.address),
    address: have.address,
    type: have.type,
    resourceId: have.id,
    before: have.props,
    dependsOn: [],
    reason,
  };
  return rulesFor(have.type, registry).drainBeforeDelete && !options.destroy
    ? [drain(have.address, 'deleted'), del]
    : [del];
}

function linkDependencies(
  actions: Action[],
  desired: readonly DesiredResource[],
  registry: HcloudRegistry,
): Action[] {
  const rank = (type: ResourceType) => rulesFor(type, registry).deleteRank;
  const byAddress = new Map<string, Action[]>();
  for (const action of actions)
    byAddress.set(action.address, [...(byAddress.get(action.address) ?? []), action]);
  const needs = new Map(desired.map((d) => [d.address, d.dependsOn]));
  const deletes = actions.filter((a): a is DeleteAction => a.kind === 'delete');

  return actions.map((action) => {
    const deps = new Set<string>();
    const own = byAddress.get(action.address) ?? [];
    switch (action.kind) {
      case 'create':
      case 'update':
      case 'replace':
        for (const dep of needs.get(action.address) ?? []) {
          for (const other of byAddress.get(dep) ?? []) {
            if (other.kind === 'create' || other.kind === 'replace') deps.add(other.id);
          }
        }
        if (action.kind !== 'create') own.filter((a) => a.kind === 'drain').forEach((a) => deps.add(a.id));
        break;
      case 'delete': {
        own.filter((a) => a.kind === 'drain').forEach((a) => deps.add(a.id));
        for (const other of deletes) if (rank(other.type) < rank(action.type)) deps.add(other.id);
        break;
      }
      case 'drain':
      case 'leave-etcd':
      case 'apply-config':
      case 'bootstrap':
      case 'upgrade':
      case 'wait':
      case 'upgrade-kubernetes':
        break;
    }
    // A resource that is replaced or deleted must first lose whatever still uses it.
    if (action.kind === 'replace') {
      for (const other of deletes) {
        if (rank(other.type) < rank(action.type)) deps.add(other.id);
      }
    }
    deps.delete(action.id);
    return { ...action, dependsOn: [...deps].sort() };
  });
}

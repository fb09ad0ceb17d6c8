/**
 * Server-side apply and managed-fields bookkeeping: each manager owns a set of leaf paths; an apply
 * sets its manager's set to exactly the applied fields, refuses (409) to change a field another
 * manager owns unless forced, and removes fields the manager dropped that nobody else owns.
 * Non-apply writes give their manager the fields they changed (operation Update).
 */
import { KubeError } from './errors.js';
import { PathSet, pathString, pathsOf, removeAt, valueAt, type FieldPath } from './fields.js';
import { itemKey, mergeKeyOf } from './patch.js';
import { clone, isObject, jsonEqual, toMeta, type JsonObject, type ManagedFieldsEntry } from './types.js';

const MAX_UPDATE_ENTRIES = 10;

export interface ApplyInput {
  live: JsonObject | undefined;
  applied: JsonObject;
  manager: string;
  force: boolean;
  apiVersion: string;
  /** Types with a status subresource: `status` is not part of the main resource's fields. */
  withStatus: boolean;
  now: string;
}

export interface ApplyResult {
  object: JsonObject;
  managedFields: ManagedFieldsEntry[];
}

interface Owner {
  entry: ManagedFieldsEntry;
  paths: PathSet;
}

function owners(entries: ManagedFieldsEntry[] | undefined): Owner[] {
  return (entries ?? []).map((entry) => ({ entry, paths: PathSet.fromFieldSet(entry.fieldsV1) }));
}

function isSelf(
  entry: ManagedFieldsEntry,
  manager: string,
  operation: 'Apply' | 'Update',
  apiVersion: string,
): boolean {
  return (
    entry.manager === manager &&
    entry.operation === operation &&
    entry.subresource === undefined &&
    (operation === 'Apply' || entry.apiVersion === apiVersion)
  );
}

function managerLabel(entry: ManagedFieldsEntry): string {
  const name = JSON.stringify(entry.manager);
  return entry.operation === 'Update' ? `${name} using ${entry.apiVersion}` : name;
}

function conflictError(conflicts: { owner: ManagedFieldsEntry; path: FieldPath }[]): KubeError {
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) {
    const label = managerLabel(c.owner);
    byManager.set(label, [...(byManager.get(label) ?? []), pathString(c.path)]);
  }
  const n = conflicts.length;
  let message: string;
  const [first] = conflicts;
  if (n === 1 && first) {
    message = `Apply failed with 1 conflict: conflict with ${managerLabel(first.owner)}: ${pathString(first.path)}`;
  } else {
    const parts = [...byManager].map(
      ([label, paths]) => `conflicts with ${label}:\n${paths.map((p) => `- ${p}`).join('\n')}`,
    );
    message = `Apply failed with ${n} conflicts: ${parts.join('\n')}`;
  }
  return new KubeError(409, 'Conflict', message, {
    causes: conflicts.map((c) => ({
      reason: 'FieldManagerConflict',
      message: `conflict with ${managerLabel(c.owner)}`,
      field: pathString(c.path),
    })),
  });
}

/** Merges `applied` into `live`: maps key by key, merge-keyed lists item by item, anything else replaced. */
export function applyMerge(live: unknown, applied: unknown, field = ''): unknown {
  if (isObject(applied)) {
    const result: JsonObject = isObject(live) ? { ...live } : {};
    for (const [key, value] of Object.entries(applied)) result[key] = applyMerge(result[key], value, key);
    return result;
  }
  if (Array.isArray(applied) && Array.isArray(live)) {
    const keys = mergeKeyOf(field, [...applied, ...live]);
    const ids = keys ? applied.map((i) => itemKey(i, keys)) : [];
    if (keys && ids.every((id) => id !== undefined) && live.every((i) => itemKey(i, keys) !== undefined)) {
      const result = [...live];
      applied.forEach((item, i) => {
        const index = result.findIndex((l) => itemKey(l, keys) === ids[i]);
        if (index >= 0) result[index] = applyMerge(result[index], item);
        else result.push(clone(item));
      });
      return result;
    }
  }
  return clone(applied);
}

function toEntry(base: Omit<ManagedFieldsEntry, 'fieldsV1'>, paths: PathSet): ManagedFieldsEntry {
  return { ...base, fieldsV1: paths.toFieldSet() };
}

/** Server-side apply of `applied` by `manager`. Throws a 409 KubeError on conflicts (unless forced). */
export function serverSideApply(input: ApplyInput): ApplyResult {
  const { live, applied, manager, force, apiVersion, withStatus, now } = input;
  const appliedPaths = new PathSet(pathsOf(applied, withStatus));
  const all = owners(live ? toMeta(live['metadata']).managedFields : undefined);
  const previous = all.find((o) => isSelf(o.entry, manager, 'Apply', apiVersion));
  const others = all.filter((o) => o !== previous);

  const conflicts: { owner: ManagedFieldsEntry; path: FieldPath }[] = [];
  for (const other of others) {
    for (const path of appliedPaths.paths()) {
      if (path[path.length - 1] === '.' || !other.paths.has(path)) continue;
      if (!jsonEqual(valueAt(live, path), valueAt(applied, path)))
        conflicts.push({ owner: other.entry, path });
    }
  }
  if (conflicts.length > 0 && !force) throw conflictError(conflicts);
  for (const c of conflicts) others.find((o) => o.entry === c.owner)?.paths.delete(c.path);

  const object = applyMerge(live ? clone(live) : {}, stripForMerge(applied, withStatus)) as JsonObject;
  for (const path of previous?.paths.paths() ?? []) {
    if (appliedPaths.hasUnder(path)) continue;
    const prefix = path[path.length - 1] === '.' ? path.slice(0, -1) : path;
    if (others.some((o) => o.paths.hasUnder(prefix))) continue;
    removeAt(object, path);
  }

  const entries: ManagedFieldsEntry[] = [];
  for (const o of all) {
    if (o === previous) continue;
    if (o.paths.size > 0) entries.push(toEntry(o.entry, o.paths));
  }
  const mine = toEntry(
    { manager, operation: 'Apply', apiVersion, time: now, fieldsType: 'FieldsV1' },
    appliedPaths,
  );
  const index = previous ? all.indexOf(previous) : entries.length;
  entries.splice(Math.min(index, entries.length), 0, mine);
  return { object, managedFields: entries };
}

function stripForMerge(applied: JsonObject, withStatus: boolean): JsonObject {
  const { apiVersion: _a, kind: _k, ...rest } = applied;
  if (!withStatus) delete rest['status'];
  const metadata = isObject(rest['metadata']) ? { ...rest['metadata'] } : {};
  for (const key of ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields'])
    delete metadata[key];
  rest['metadata'] = metadata;
  return rest;
}

/**
 * Ownership after a non-apply write by `manager`: the fields it changed become its own (operation
 * Update) and leave every other manager; fields that disappeared leave everyone.
 */
export function recordUpdate(
  entries: ManagedFieldsEntry[] | undefined,
  before: JsonObject | undefined,
  after: JsonObject,
  manager: string,
  apiVersion: string,
  withStatus: boolean,
  now: string,
): ManagedFieldsEntry[] {
  const all = owners(entries);
  const afterPaths = pathsOf(after, withStatus);
  const afterSet = new PathSet(afterPaths);
  const changed = afterPaths.filter((p) =>
    p[p.length - 1] === '.'
      ? valueAt(before, p) === undefined
      : !jsonEqual(valueAt(before, p), valueAt(after, p)),
  );
  let self = all.find((o) => isSelf(o.entry, manager, 'Update', apiVersion));
  if (changed.length === 0 && !self) return entries ?? [];
  for (const o of all) {
    for (const p of o.paths.paths()) if (!afterSet.has(p)) o.paths.delete(p);
    if (o !== self) for (const p of changed) o.paths.delete(p);
  }
  if (!self) {
    self = {
      entry: { manager, operation: 'Update', apiVersion, time: now, fieldsType: 'FieldsV1', fieldsV1: {} },
      paths: new PathSet(),
    };
    all.push(self);
  }
  for (const p of changed) self.paths.add(p);
  if (changed.length > 0) self.entry = { ...self.entry, time: now };
  let result = all.filter((o) => o.paths.size > 0).map((o) => toEntry(o.entry, o.paths));
  const updates = result.filter((e) => e.operation === 'Update');
  if (updates.length > MAX_UPDATE_ENTRIES) {
    const drop = new Set(updates.slice(0, updates.length - MAX_UPDATE_ENTRIES));
    result = result.filter((e) => !drop.has(e));
  }
  return result;
}

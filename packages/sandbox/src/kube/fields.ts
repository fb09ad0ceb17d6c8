/**
 * Field sets as server-side apply tracks them (fieldsV1): the leaf paths an object sets, set
 * algebra on them, and reading or removing the value at a path. A path is a list of elements
 * `f:<field>`, `k:<json of the merge key>`, `v:<json value>` or `.` (the list item itself).
 */
import { itemKey, mergeKeyOf } from './patch.js';
import { isObject, jsonEqual, type FieldSet, type JsonObject } from './types.js';

export type FieldPath = string[];

/** Fields of the top level that are never owned. */
const TOP_IGNORED = new Set(['apiVersion', 'kind']);
const META_IGNORED = new Set([
  'name',
  'namespace',
  'generateName',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
]);

/** The leaf paths `obj` sets; `withStatus` false leaves `status` out (types with a status subresource). */
export function pathsOf(obj: JsonObject, withStatus: boolean): FieldPath[] {
  const paths: FieldPath[] = [];
  for (const [key, value] of Object.entries(obj)) {
    if (TOP_IGNORED.has(key) || (key === 'status' && !withStatus)) continue;
    if (key === 'metadata' && isObject(value)) {
      for (const [mk, mv] of Object.entries(value)) {
        if (!META_IGNORED.has(mk)) walk(mk, mv, ['f:metadata'], paths);
      }
      continue;
    }
    walk(key, value, [], paths);
  }
  return paths;
}

function walk(key: string, value: unknown, prefix: FieldPath, out: FieldPath[]): void {
  const here = [...prefix, `f:${key}`];
  if (isObject(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) walk(k, v, here, out);
    return;
  }
  if (Array.isArray(value) && value.length > 0) {
    const keys = mergeKeyOf(key, value);
    const ids = keys ? value.map((item) => itemKey(item, keys)) : [];
    if (keys && ids.every((id) => id !== undefined)) {
      value.forEach((item, i) => {
        const itemPath = [...here, `k:${ids[i] ?? ''}`];
        out.push([...itemPath, '.']);
        for (const [k, v] of Object.entries(item as JsonObject)) walk(k, v, itemPath, out);
      });
      return;
    }
  }
  out.push(here);
}

export const pathKey = (path: FieldPath): string => JSON.stringify(path);

export class PathSet {
  private readonly byKey = new Map<string, FieldPath>();

  constructor(paths: Iterable<FieldPath> = []) {
    for (const p of paths) this.add(p);
  }

  add(path: FieldPath): void {
    this.byKey.set(pathKey(path), path);
  }

  delete(path: FieldPath): void {
    this.byKey.delete(pathKey(path));
  }

  has(path: FieldPath): boolean {
    return this.byKey.has(pathKey(path));
  }

  /** True when some member equals `prefix` or lies below it. */
  hasUnder(prefix: FieldPath): boolean {
    for (const p of this.byKey.values()) if (startsWith(p, prefix)) return true;
    return false;
  }

  get size(): number {
    return this.byKey.size;
  }

  paths(): FieldPath[] {
    return [...this.byKey.values()];
  }

  static fromFieldSet(set: FieldSet): PathSet {
    const result = new PathSet();
    const visit = (node: FieldSet, prefix: FieldPath) => {
      const keys = Object.keys(node);
      if (keys.length === 0 && prefix.length > 0) result.add(prefix);
      for (const k of keys) {
        const child = node[k] ?? {};
        if (k === '.') result.add([...prefix, '.']);
        else visit(child, [...prefix, k]);
      }
    };
    visit(set, []);
    return result;
  }

  toFieldSet(): FieldSet {
    const root: FieldSet = {};
    for (const path of this.byKey.values()) {
      let node = root;
      for (const element of path) node = node[element] ??= {};
    }
    return root;
  }
}

export function startsWith(path: FieldPath, prefix: FieldPath): boolean {
  return prefix.length <= path.length && prefix.every((e, i) => path[i] === e);
}

function matchesKey(item: unknown, element: string): boolean {
  const key = JSON.parse(element.slice(2)) as JsonObject;
  if (!isObject(item)) return false;
  return Object.entries(key).every(([k, v]) =>
    jsonEqual(item[k] ?? (k === 'protocol' ? 'TCP' : undefined), v),
  );
}

function step(current: unknown, element: string): unknown {
  if (element === '.') return current;
  if (element.startsWith('f:')) return isObject(current) ? current[element.slice(2)] : undefined;
  if (!Array.isArray(current)) return undefined;
  if (element.startsWith('k:')) return current.find((item) => matchesKey(item, element));
  if (element.startsWith('v:')) {
    const wanted = JSON.parse(element.slice(2)) as unknown;
    return current.find((item) => jsonEqual(item, wanted));
  }
  return undefined;
}

export function valueAt(obj: unknown, path: FieldPath): unknown {
  let current = obj;
  for (const element of path) {
    current = step(current, element);
    if (current === undefined) return undefined;
  }
  return current;
}

/** Removes the field (or, for a path ending in `.`, the list item) at `path`, if present. */
export function removeAt(obj: unknown, path: FieldPath): void {
  const target = path[path.length - 1] === '.' ? path.slice(0, -1) : path;
  const parent = valueAt(obj, target.slice(0, -1));
  const last = target[target.length - 1] ?? '';
  if (last.startsWith('f:') && isObject(parent)) {
    delete parent[last.slice(2)];
  } else if (Array.isArray(parent)) {
    const index = parent.findIndex((item) => step([item], last) !== undefined);
    if (index >= 0) parent.splice(index, 1);
  }
}

/** `.spec.containers[name="nginx"].image`, as conflict messages spell a path. */
export function pathString(path: FieldPath): string {
  return path
    .map((element) => {
      if (element === '.') return '';
      if (element.startsWith('f:')) return `.${element.slice(2)}`;
      if (element.startsWith('k:')) {
        const key = JSON.parse(element.slice(2)) as JsonObject;
        const parts = Object.entries(key).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
        return `[${parts.join(',')}]`;
      }
      return `[=${element.slice(2)}]`;
    })
    .join('');
}

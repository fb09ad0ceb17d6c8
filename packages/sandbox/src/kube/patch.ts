/**
 * The non-apply PATCH flavours: JSON merge patch (RFC 7386), the strategic merge patch of built-in
 * types (lists with a merge key are merged by it; `$patch`, `$setElementOrder`, `$retainKeys`
 * directives as kubectl sends them) and JSON patch (RFC 6902).
 */
import { badRequest, KubeError } from './errors.js';
import { clone, isObject, jsonEqual, type JsonObject } from './types.js';

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const result: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** The merge key of a list field of the built-in types, by field name (and, for ports, by shape). */
export function mergeKeyOf(field: string, items: unknown[]): string[] | undefined {
  switch (field) {
    case 'containers':
    case 'initContainers':
    case 'ephemeralContainers':
    case 'volumes':
    case 'env':
    case 'imagePullSecrets':
    case 'hostAliases':
      return field === 'hostAliases' ? ['ip'] : ['name'];
    case 'volumeMounts':
      return ['mountPath'];
    case 'volumeDevices':
      return ['devicePath'];
    case 'conditions':
      return ['type'];
    case 'taints':
      return ['key', 'effect'];
    case 'ports':
      return items.some((i) => isObject(i) && 'containerPort' in i)
        ? ['containerPort', 'protocol']
        : ['port', 'protocol'];
    default:
      return undefined;
  }
}

/** The identity of a list item under `keys` (protocol defaults to TCP, as the API server defaults it). */
export function itemKey(item: unknown, keys: string[]): string | undefined {
  if (!isObject(item)) return undefined;
  const key: JsonObject = {};
  for (const k of [...keys].sort()) {
    const value = item[k] ?? (k === 'protocol' ? 'TCP' : undefined);
    if (value !== undefined) key[k] = value;
  }
  return Object.keys(key).length === 0 ? undefined : JSON.stringify(key);
}

export function strategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  if (patch['$patch'] === 'replace') {
    const { $patch: _directive, ...rest } = patch;
    return clone(rest);
  }
  const result: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$setElementOrder/') || key === '$retainKeys' || key === '$patch') continue;
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const drop = Array.isArray(value) ? value : [];
      const current = result[field];
      if (Array.isArray(current)) result[field] = current.filter((v) => !drop.some((d) => jsonEqual(d, v)));
      continue;
    }
    if (value === null) {
      delete result[key];
      continue;
    }
    const current = result[key];
    if (Array.isArray(value)) {
      const keys = mergeKeyOf(key, [...value, ...(Array.isArray(current) ? current : [])]);
      result[key] = keys && Array.isArray(current) ? mergeList(current, value, keys) : clone(value);
      continue;
    }
    result[key] = isObject(value) ? strategicMergePatch(current, value) : clone(value);
  }
  return result;
}

function mergeList(current: unknown[], patch: unknown[], keys: string[]): unknown[] {
  const result = [...current];
  for (const item of patch) {
    const id = itemKey(item, keys);
    const index = id === undefined ? -1 : result.findIndex((c) => itemKey(c, keys) === id);
    if (isObject(item) && item['$patch'] === 'delete') {
      if (index >= 0) result.splice(index, 1);
      continue;
    }
    if (index >= 0) result[index] = strategicMergePatch(result[index], item);
    else result.push(clone(item));
  }
  return result;
}

interface Operation {
  op: string;
  path: string;
  value?: unknown;
  from?: string;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw badRequest(`invalid JSON pointer '${path}'`);
  return path
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: unknown, parts: string[], path: string): { parent: unknown; last: string } {
  let current = doc;
  for (const part of parts.slice(0, -1)) {
    current = Array.isArray(current) ? current[Number(part)] : isObject(current) ? current[part] : undefined;
    if (current === undefined) throw jsonPatchError(`doc is missing path: "${path}"`);
  }
  return { parent: current, last: parts[parts.length - 1] ?? '' };
}

function jsonPatchError(message: string): KubeError {
  return new KubeError(
    422,
    'Invalid',
    `the server rejected our request due to an error in our request: ${message}`,
  );
}

function read(doc: unknown, path: string): unknown {
  let current = doc;
  for (const part of pointer(path)) {
    current = Array.isArray(current) ? current[Number(part)] : isObject(current) ? current[part] : undefined;
    if (current === undefined) throw jsonPatchError(`doc is missing path: "${path}"`);
  }
  return current;
}

function remove(doc: unknown, path: string): void {
  const { parent, last } = parentOf(doc, pointer(path), path);
  if (Array.isArray(parent)) {
    const index = Number(last);
    if (!(index >= 0 && index < parent.length)) throw jsonPatchError(`doc is missing path: "${path}"`);
    parent.splice(index, 1);
  } else if (isObject(parent) && last in parent) delete parent[last];
  else throw jsonPatchError(`doc is missing path: "${path}"`);
}

function add(doc: unknown, path: string, value: unknown, replace: boolean): unknown {
  const parts = pointer(path);
  if (parts.length === 0) return clone(value);
  const { parent, last } = parentOf(doc, parts, path);
  if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : Number(last);
    if (!(index >= 0 && index <= parent.length)) throw jsonPatchError(`index out of range: "${path}"`);
    parent.splice(index, replace ? 1 : 0, clone(value));
  } else if (isObject(parent)) {
    if (replace && !(last in parent)) throw jsonPatchError(`doc is missing key: "${path}"`);
    parent[last] = clone(value);
  } else throw jsonPatchError(`doc is missing path: "${path}"`);
  return doc;
}

export function jsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw badRequest('json patch must be an array of operations');
  let doc = clone(target);
  for (const raw of operations) {
    if (!isObject(raw) || typeof raw['op'] !== 'string' || typeof raw['path'] !== 'string') {
      throw badRequest('json patch operations need op and path');
    }
    const op: Operation = {
      op: raw['op'],
      path: raw['path'],
      value: raw['value'],
      ...(typeof raw['from'] === 'string' ? { from: raw['from'] } : {}),
    };
    switch (op.op) {
      case 'add':
        doc = add(doc, op.path, op.value, false);
        break;
      case 'replace':
        doc = add(doc, op.path, op.value, true);
        break;
      case 'remove':
        remove(doc, op.path);
        break;
      case 'test':
        if (!jsonEqual(read(doc, op.path), op.value)) throw jsonPatchError(`testing value ${op.path} failed`);
        break;
      case 'copy':
        doc = add(doc, op.path, read(doc, op.from ?? ''), false);
        break;
      case 'move': {
        const value = read(doc, op.from ?? '');
        remove(doc, op.from ?? '');
        doc = add(doc, op.path, value, false);
        break;
      }
      default:
        throw badRequest(`unexpected json patch operation '${op.op}'`);
    }
  }
  return doc;
}

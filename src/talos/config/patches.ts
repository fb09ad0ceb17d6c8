/**
 * The user's config patches, applied last, in the two forms Talos accepts:
 *
 * - an RFC 6902 JSON patch (an array of operations), applied to the v1alpha1 document, as Talos only
 *   allows JSON patches on single-document configs;
 * - a strategic-merge patch (an object). Without `kind` it merges into the v1alpha1 document; with
 *   `apiVersion`/`kind` (and `name`) it merges into the typed document of that kind and name, or adds it.
 *   `$patch: delete` on a typed patch removes that document, on a nested value removes that key.
 *
 * Merging follows Talos: objects merge key by key, scalars are replaced, and lists are appended,
 * except the lists Talos replaces (subnets) and the ones it merges by `name` (admission plugins,
 * inline manifests). `null` removes a key.
 */
import jsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { Hk8sError } from '../../errors.js';
import { isPlainObject, plainCopy, type PlainObject } from './objects.js';
import type { ConfigDocument } from './types.js';

/** v1alpha1 lists a patch replaces rather than extends. */
const REPLACED_LISTS = new Set([
  'cluster.network.podSubnets',
  'cluster.network.serviceSubnets',
  'cluster.etcd.advertisedSubnets',
  'cluster.etcd.listenSubnets',
  'machine.kubelet.nodeIP.validSubnets',
]);
/** v1alpha1 lists whose items merge by their `name`. */
const NAMED_LISTS = new Set(['cluster.apiServer.admissionControl', 'cluster.inlineManifests']);

const DELETE = '$patch';

function isDeleteMarker(value: unknown): boolean {
  return isPlainObject(value) && value[DELETE] === 'delete';
}

function mergeNamedLists(base: unknown[], overlay: unknown[]): unknown[] {
  const result = [...base];
  for (const item of overlay) {
    const name = isPlainObject(item) ? item.name : undefined;
    const index = result.findIndex((candidate) => isPlainObject(candidate) && candidate.name === name);
    if (name === undefined || index < 0) result.push(plainCopy(item));
    else result[index] = mergeValue(result[index], item, '');
  }
  return result;
}

function mergeValue(base: unknown, overlay: unknown, path: string): unknown {
  if (isPlainObject(base) && isPlainObject(overlay)) {
    const result: PlainObject = { ...base };
    for (const [key, value] of Object.entries(overlay)) {
      if (key === DELETE) continue;
      if (value === null || isDeleteMarker(value)) {
        delete result[key];
        continue;
      }
      result[key] = mergeValue(result[key], value, path === '' ? key : `${path}.${key}`);
    }
    return result;
  }
  if (Array.isArray(base) && Array.isArray(overlay) && !REPLACED_LISTS.has(path)) {
    return NAMED_LISTS.has(path) ? mergeNamedLists(base, overlay) : [...base, ...plainCopy(overlay)];
  }
  return plainCopy(overlay);
}

function sameDocument(document: ConfigDocument, patch: PlainObject): boolean {
  return document.kind === patch.kind && document.name === patch.name;
}

function patchError(where: string, message: string, hint: string, cause?: unknown): Hk8sError {
  return new Hk8sError('spec.invalid', message, { where, hint, cause });
}

function applyStrategicMerge(
  documents: ConfigDocument[],
  patch: PlainObject,
  where: string,
): ConfigDocument[] {
  if (patch.kind === undefined) {
    const [main, ...rest] = documents;
    if (!main) throw new Error('a machine config without its v1alpha1 document');
    return [mergeValue(main, patch, '') as ConfigDocument, ...rest];
  }
  if (typeof patch.kind !== 'string' || patch.apiVersion !== 'v1alpha1') {
    throw patchError(
      where,
      'a typed config patch needs apiVersion: v1alpha1 and a kind',
      'Give typed patches apiVersion and kind (and name where the kind has one); patch the main document without them.',
    );
  }
  const index = documents.findIndex((document) => sameDocument(document, patch));
  if (patch[DELETE] === 'delete') return documents.filter((_, position) => position !== index);
  if (index < 0) return [...documents, mergeValue({}, patch, '') as ConfigDocument];
  return documents.map((document, position) =>
    position === index ? (mergeValue(document, patch, '') as ConfigDocument) : document,
  );
}

function applyJsonPatch(documents: ConfigDocument[], operations: unknown[], where: string): ConfigDocument[] {
  const [main, ...rest] = documents;
  if (!main) throw new Error('a machine config without its v1alpha1 document');
  const hint =
    'JSON patch paths point into the main (v1alpha1) document, e.g. /machine/kubelet/extraArgs/max-pods.';
  const target = plainCopy(main);
  const invalidOperation = jsonPatch.validate(operations as Operation[], target);
  if (invalidOperation) {
    const message = invalidOperation.message.split('\n')[0] ?? invalidOperation.name;
    throw patchError(
      where,
      `JSON patch operation ${invalidOperation.index ?? 0}: ${message}`,
      hint,
      invalidOperation,
    );
  }
  try {
    const patched = jsonPatch.applyPatch(target, operations as Operation[], false, true).newDocument;
    return [patched as ConfigDocument, ...rest];
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw patchError(where, `JSON patch cannot be applied: ${message}`, hint, error);
  }
}

/** Applies the patches in order; `field` names them in errors, e.g. `workers.configPatches`. */
export function applyConfigPatches(
  documents: ConfigDocument[],
  patches: readonly unknown[],
  field: string,
): ConfigDocument[] {
  let result = documents;
  patches.forEach((patch, index) => {
    const where = `${field}[${index}]`;
    if (Array.isArray(patch)) result = applyJsonPatch(result, patch, where);
    else if (isPlainObject(patch)) result = applyStrategicMerge(result, patch, where);
    else {
      throw patchError(
        where,
        'a config patch must be an object (strategic merge) or a list of JSON patch operations',
        'Write the patch as a partial machine config, or as [{ op, path, value }].',
      );
    }
  });
  return result;
}

/** Server-side apply of manifests under hk8s's field manager, and deletion of objects (for pruning). */
import type { CallOptions, DeleteObjectOptions, KubeApi, KubeObject, ObjectRef } from './api.js';
import { KubeError } from './errors.js';
import { withTransientRetry, type RetryPolicy } from './retry.js';
import type { AppliedObject } from './types.js';

export const FIELD_MANAGER = 'hk8s';

export interface ServerSideApplyOptions extends CallOptions {
  /** Default `hk8s`. */
  fieldManager?: string;
  /** Take over fields another manager owns instead of failing with a conflict. Default false. */
  force?: boolean;
  /** Validate and merge on the server without persisting (`dryRun=All`). Default false. */
  dryRun?: boolean;
}

export function objectLabel(ref: { kind: string; name: string; namespace?: string }): string {
  return `${ref.kind.toLowerCase()} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

function checkObject(object: unknown, index: number): KubeObject {
  const candidate = object as Partial<KubeObject> | null;
  const name = candidate?.metadata?.name;
  if (
    typeof candidate?.apiVersion !== 'string' ||
    typeof candidate.kind !== 'string' ||
    typeof name !== 'string' ||
    name === ''
  ) {
    throw new KubeError('kube.invalid', `object ${index + 1} has no apiVersion, kind or metadata.name`, {
      where: `object ${index + 1}`,
      hint: 'every manifest needs apiVersion, kind and metadata.name',
    });
  }
  return candidate as KubeObject;
}

/**
 * Applies the objects one after another, in the order given (so a Namespace or CRD listed first
 * exists before what uses it). Stops at the first failure; the error names the object.
 */
export async function serverSideApply(
  api: KubeApi,
  retry: RetryPolicy,
  objects: readonly unknown[],
  options: ServerSideApplyOptions = {},
): Promise<AppliedObject[]> {
  const checked = objects.map(checkObject);
  const applyOptions = {
    fieldManager: options.fieldManager ?? FIELD_MANAGER,
    force: options.force === true,
    dryRun: options.dryRun === true,
  };
  const call: CallOptions = options.signal ? { signal: options.signal } : {};
  const applied: AppliedObject[] = [];
  for (const object of checked) {
    const stored = await withTransientRetry(retry, options.signal, () =>
      api.apply(object, applyOptions, call),
    );
    const namespace = object.metadata.namespace ?? stored.metadata.namespace;
    applied.push({
      apiVersion: object.apiVersion,
      kind: object.kind,
      name: object.metadata.name,
      ...(typeof namespace === 'string' ? { namespace } : {}),
      object: stored,
    });
  }
  return applied;
}

/** Deletes one object; `existed: false` when it was already gone. */
export async function deleteObject(
  api: KubeApi,
  retry: RetryPolicy,
  ref: ObjectRef,
  options: DeleteObjectOptions & CallOptions = {},
): Promise<{ existed: boolean }> {
  const { signal, ...deleteOptions } = options;
  const call: CallOptions = signal ? { signal } : {};
  const outcome = await withTransientRetry(retry, signal, () => api.deleteObject(ref, deleteOptions, call));
  return { existed: outcome === 'deleted' };
}

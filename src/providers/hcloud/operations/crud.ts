/**
 * Create, get, update (name, labels) and delete for the kinds hk8s manages, and `createResource`: a
 * create whose answer was lost is never sent again blind. The resource is first looked up by its
 * `hk8s.io/address` label (set in the same request that created it) and adopted if it exists.
 */
import type { CallOptions, Created, CrudApi, ResourceUpdate } from '../api.js';
import { isHcloudApiError } from '../errors.js';
import { listAll } from '../paging.js';
import type { Transport } from '../transport.js';
import {
  ADDRESS_LABEL,
  CLUSTER_LABEL,
  SINGULAR,
  type CreateBody,
  type ManagedKind,
  type PathWith,
  type ResourceOf,
} from '../types.js';
import { collectActions } from './shared.js';

export async function createResource<K extends ManagedKind>(
  transport: Transport,
  kind: K,
  body: CreateBody<K>,
  address: string,
  options: CallOptions = {},
): Promise<Created<ResourceOf<K>>> {
  const labels = (body as { labels?: Record<string, string> }).labels;
  if (labels?.[ADDRESS_LABEL] !== address) {
    throw new Error(`createResource(${kind}): body.labels["${ADDRESS_LABEL}"] must be "${address}"`);
  }
  const singular = SINGULAR[kind];
  // Another cluster of the project has objects at the same address: only this cluster's is adopted.
  const cluster = labels[CLUSTER_LABEL];
  const selector = `${cluster === undefined ? '' : `${CLUSTER_LABEL}=${cluster},`}${ADDRESS_LABEL}=${address}`;
  const adopt = async (): Promise<Created<ResourceOf<K>> | undefined> => {
    const found = await listAll(transport, kind, {
      labelSelector: selector,
      signal: options.signal,
    });
    const oldest = [...found].sort((a, b) => idOf(a) - idOf(b))[0];
    return oldest === undefined ? undefined : { resource: oldest, actions: [], adopted: true };
  };
  return transport.callMapped(
    'POST',
    `/${kind}` as PathWith<'POST'>,
    // Boundary: the path is picked at run time, so no single generated body type applies.
    { body: body as never },
    { op: `create_${singular}`, safety: 'create', where: options.where ?? address },
    (data) => {
      const resource = (data as Record<string, unknown> | undefined)?.[singular];
      if (resource === undefined) throw new Error(`POST /${kind} answered without "${singular}"`);
      return { resource: resource as ResourceOf<K>, actions: collectActions(data), adopted: false };
    },
    { signal: options.signal, verify: adopt },
  );
}

export function crudFor<K extends ManagedKind>(transport: Transport, kind: K): CrudApi<K> {
  const singular = SINGULAR[kind];
  const itemPath = `/${kind}/{id}` as PathWith<'GET'> & PathWith<'PUT'> & PathWith<'DELETE'>;
  const unwrap = (data: unknown): ResourceOf<K> => {
    const resource = (data as Record<string, unknown> | undefined)?.[singular];
    if (resource === undefined) throw new Error(`/${kind}/{id} answered without "${singular}"`);
    return resource as ResourceOf<K>;
  };
  return {
    list: (filter) => listAll(transport, kind, filter),
    create: (body, address, options) => createResource(transport, kind, body, address, options),
    async get(id, options = {}) {
      try {
        return await transport.callMapped(
          'GET',
          itemPath,
          { pathParams: { id } },
          { op: `get_${singular}`, safety: 'idempotent', where: options.where },
          unwrap,
          { signal: options.signal },
        );
      } catch (error) {
        if (isHcloudApiError(error) && error.status === 404) return undefined;
        throw error;
      }
    },
    update: (id, changes: ResourceUpdate, options = {}) =>
      transport.callMapped(
        'PUT',
        itemPath,
        // Boundary: as above, the body type depends on the run-time path.
        { pathParams: { id }, body: changes as never },
        { op: `replace_${singular}`, safety: 'idempotent', where: options.where },
        unwrap,
        { signal: options.signal },
      ),
    delete: (id, options = {}) =>
      transport.callMapped(
        'DELETE',
        itemPath,
        { pathParams: { id } },
        { op: `delete_${singular}`, safety: 'idempotent', where: options.where },
        (data) => ({ actions: collectActions(data), verified: false }),
        { signal: options.signal, goneIsDone: true },
      ),
  };
}

function idOf(resource: unknown): number {
  const id = (resource as { id?: unknown }).id;
  return typeof id === 'number' ? id : Number.MAX_SAFE_INTEGER;
}

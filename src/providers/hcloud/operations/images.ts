/**
 * Images: listed (by type, label), read, relabelled and deleted (snapshots and backups only). Images
 * are made by a server's `create_image` action (operations/servers.ts), never by POST.
 */
import type { CallOptions, ImageApi, ResourceUpdate } from '../api.js';
import { isHcloudApiError } from '../errors.js';
import { listAll } from '../paging.js';
import type { Transport } from '../transport.js';
import type { Image } from '../types.js';
import { collectActions } from './shared.js';

function unwrap(data: unknown): Image {
  const image = (data as { image?: Image } | undefined)?.image;
  if (image === undefined) throw new Error('/images/{id} answered without "image"');
  return image;
}

export function imageApi(t: Transport): ImageApi {
  return {
    list: (filter) => listAll(t, 'images', filter),
    async get(id, options: CallOptions = {}) {
      try {
        return await t.callMapped(
          'GET',
          '/images/{id}',
          { pathParams: { id } },
          { op: 'get_image', safety: 'idempotent', where: options.where },
          unwrap,
          { signal: options.signal },
        );
      } catch (error) {
        if (isHcloudApiError(error) && error.status === 404) return undefined;
        throw error;
      }
    },
    update: (id, changes: ResourceUpdate, options: CallOptions = {}) =>
      t.callMapped(
        'PUT',
        '/images/{id}',
        { pathParams: { id }, body: changes as never },
        { op: 'replace_image', safety: 'idempotent', where: options.where },
        unwrap,
        { signal: options.signal },
      ),
    delete: (id, options: CallOptions = {}) =>
      t.callMapped(
        'DELETE',
        '/images/{id}',
        { pathParams: { id } },
        { op: 'delete_image', safety: 'idempotent', where: options.where },
        (data) => ({ actions: collectActions(data), verified: false }),
        { signal: options.signal, goneIsDone: true },
      ),
  };
}

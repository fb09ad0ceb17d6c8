/**
 * Listing a whole collection: `per_page=50` (Hetzner's maximum) and follow `meta.pagination.next_page`,
 * so a list of n resources costs ceil(n/50) requests.
 */
import type { Transport } from './transport.js';
import type { ListKind, ListQuery, PathWith, ResourceOf } from './types.js';

export const PAGE_SIZE = 50;

export interface ListFilter<K extends ListKind = ListKind> {
  labelSelector?: string;
  name?: string;
  /** Further query parameters of `GET /{kind}` (e.g. `type` for images). */
  query?: Partial<ListQuery<K>>;
  signal?: AbortSignal;
}

interface Page {
  [kind: string]: unknown;
  meta?: { pagination?: { next_page?: number | null } };
}

export async function listAll<K extends ListKind>(
  transport: Transport,
  kind: K,
  filter: ListFilter<K> = {},
): Promise<ResourceOf<K>[]> {
  const items: ResourceOf<K>[] = [];
  const base: Record<string, unknown> = { ...filter.query, per_page: PAGE_SIZE };
  if (filter.labelSelector !== undefined) base.label_selector = filter.labelSelector;
  if (filter.name !== undefined) base.name = filter.name;
  for (let page = 1; ;) {
    const path = `/${kind}` as PathWith<'GET'>;
    const data = (await transport.call(
      'GET',
      path,
      // Boundary: list paths are picked at run time; the page is typed where it is parsed.
      { query: { ...base, page } as never },
      { op: `list_${kind}`, safety: 'idempotent' },
      { signal: filter.signal },
    )) as unknown as Page;
    const found = data[kind];
    if (!Array.isArray(found)) throw new Error(`GET /${kind} answered without a "${kind}" array`);
    items.push(...(found as ResourceOf<K>[]));
    const next = data.meta?.pagination?.next_page;
    if (typeof next !== 'number' || next <= page) return items;
    page = next;
  }
}

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
  meta?: { pagination?: { next_page?: number | null; last_page?: number | null } };
}

/**
 * Page 1 first; when it names the last page (Hetzner's `meta.pagination.last_page`), the other
 * pages are fetched at once (each request still takes its token from the shared rate budget), and
 * the items are returned in page order. Without `last_page`, pages are followed one by one.
 */
export async function listAll<K extends ListKind>(
  transport: Transport,
  kind: K,
  filter: ListFilter<K> = {},
): Promise<ResourceOf<K>[]> {
  const base: Record<string, unknown> = { ...filter.query, per_page: PAGE_SIZE };
  if (filter.labelSelector !== undefined) base.label_selector = filter.labelSelector;
  if (filter.name !== undefined) base.name = filter.name;
  const fetchPage = async (page: number) => {
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
    return { items: found as ResourceOf<K>[], pagination: data.meta?.pagination };
  };
  const first = await fetchPage(1);
  const last = first.pagination?.last_page;
  const next = first.pagination?.next_page;
  if (typeof next !== 'number' || next <= 1) return first.items;
  if (typeof last === 'number' && Number.isInteger(last) && last >= next) {
    const rest = await Promise.all(
      Array.from({ length: last - 1 }, (_, i) => fetchPage(i + 2).then((p) => p.items)),
    );
    return [...first.items, ...rest.flat()];
  }
  const items = [...first.items];
  for (let page = next; ;) {
    const current = await fetchPage(page);
    items.push(...current.items);
    const following = current.pagination?.next_page;
    if (typeof following !== 'number' || following <= page) return items;
    page = following;
  }
}

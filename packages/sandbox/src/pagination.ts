/** Sorting, paging and the `meta.pagination` + `Link` header of Hetzner list responses. */
import { invalidField } from './api-error.js';

export const DEFAULT_PER_PAGE = 25;
export const MAX_PER_PAGE = 50;

export interface Pagination {
  page: number;
  per_page: number;
  previous_page: number | null;
  next_page: number | null;
  last_page: number | null;
  total_entries: number | null;
}

export interface Page<T> {
  items: T[];
  pagination: Pagination;
  /** Value for the `Link` header, or undefined when there is only one page. */
  link: string | undefined;
}

type SortValue = string | number | null;

/**
 * Sorts by the repeatable `sort` parameter (`field[:asc|:desc]`); ties fall back to id ascending.
 * `fields` maps each allowed field to a value getter.
 */
export function sortItems<T>(
  items: T[],
  sort: string[] | undefined,
  fields: Record<string, (item: T) => SortValue>,
): T[] {
  const keys = (sort ?? []).map((raw) => {
    const [field = '', dir = 'asc'] = raw.split(':');
    const get = fields[field];
    if (!get || (dir !== 'asc' && dir !== 'desc')) throw invalidField('sort', `invalid sort field '${raw}'`);
    return { get, sign: dir === 'desc' ? -1 : 1 };
  });
  const idGet = fields['id'];
  if (idGet) keys.push({ get: idGet, sign: 1 });
  return [...items].sort((a, b) => {
    for (const key of keys) {
      const c = compare(key.get(a), key.get(b));
      if (c !== 0) return c * key.sign;
    }
    return 0;
  });
}

function compare(a: SortValue, b: SortValue): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : 1;
}

/** Slices one page. `baseUrl` is the request URL (its page/per_page are replaced in links). */
export function paginate<T>(items: T[], query: Record<string, unknown>, baseUrl: URL): Page<T> {
  const rawPage = typeof query['page'] === 'number' ? query['page'] : 1;
  const rawPer = typeof query['per_page'] === 'number' ? query['per_page'] : DEFAULT_PER_PAGE;
  if (rawPage < 1 || !Number.isInteger(rawPage)) throw invalidField('page', 'must be a positive integer');
  if (rawPer < 1 || !Number.isInteger(rawPer)) throw invalidField('per_page', 'must be a positive integer');
  const page = rawPage;
  const perPage = Math.min(rawPer, MAX_PER_PAGE);
  const total = items.length;
  const lastPage = Math.max(1, Math.ceil(total / perPage));
  const pagination: Pagination = {
    page,
    per_page: perPage,
    previous_page: page > 1 ? Math.min(page - 1, lastPage) : null,
    next_page: page < lastPage ? page + 1 : null,
    last_page: lastPage,
    total_entries: total,
  };
  const pageUrl = (n: number): string => {
    const url = new URL(baseUrl.href);
    url.searchParams.set('page', String(n));
    url.searchParams.set('per_page', String(perPage));
    return url.href;
  };
  const links: string[] = [];
  if (pagination.previous_page !== null) links.push(`<${pageUrl(pagination.previous_page)}>; rel="prev"`);
  if (pagination.next_page !== null) links.push(`<${pageUrl(pagination.next_page)}>; rel="next"`);
  if (lastPage > 1) links.push(`<${pageUrl(lastPage)}>; rel="last"`);
  return {
    items: items.slice((page - 1) * perPage, page * perPage),
    pagination,
    link: links.length > 0 ? links.join(', ') : undefined,
  };
}

/** Helpers shared by the resource handlers: lookups, uniqueness, list responses, renderers. */
import { renderAction } from '../actions.js';
import { ApiError, notFound, protectedError, uniquenessError } from '../api-error.js';
import {
  LOCATIONS,
  pricesFor,
  type LoadBalancerTypeInfo,
  type LocationInfo,
  type ServerTypeInfo,
} from '../catalog.js';
import type { HandlerRequest, HandlerResponse } from '../context.js';
import { matchesSelector, parseSelector } from '../labels.js';
import { paginate, sortItems } from '../pagination.js';
import type { ActionRec, ImageRec, Labels } from '../types.js';

export function getOr404<T>(map: Record<number, T>, id: number, what: string): T {
  const item = map[id];
  if (item === undefined) throw notFound(what, id);
  return item;
}

export function assertNameFree<T extends { id: number; name: string | null }>(
  map: Record<number, T>,
  name: string,
  exceptId?: number,
): void {
  for (const item of Object.values(map)) {
    if (item.name === name && item.id !== exceptId) throw uniquenessError('name');
  }
}

export function assertNotProtected(isProtected: boolean, what: string): void {
  if (isProtected) throw protectedError(what);
}

export interface ListOptions<T> {
  labels?: (item: T) => Labels;
  name?: (item: T) => string | null;
  sort?: Record<string, (item: T) => string | number | null>;
  /** Extra filters from operation-specific query parameters. */
  filter?: (item: T) => boolean;
}

export function listResponse<T>(
  req: HandlerRequest,
  key: string,
  items: T[],
  render: (item: T) => unknown,
  options: ListOptions<T> = {},
): HandlerResponse {
  let selected = items;
  const name = req.query['name'];
  if (typeof name === 'string' && options.name) {
    const getName = options.name;
    selected = selected.filter((item) => getName(item) === name);
  }
  const selector = req.query['label_selector'];
  if (typeof selector === 'string' && options.labels) {
    const terms = parseSelector(selector);
    const getLabels = options.labels;
    selected = selected.filter((item) => matchesSelector(getLabels(item), terms));
  }
  if (options.filter) selected = selected.filter(options.filter);
  const sort = req.query['sort'] as string[] | undefined;
  selected = sortItems(selected, sort, options.sort ?? {});
  const page = paginate(selected, req.query, req.url);
  return {
    status: 200,
    body: { [key]: page.items.map(render), meta: { pagination: page.pagination } },
    headers: page.link ? { Link: page.link } : undefined,
  };
}

/** Sort fields shared by most resources. */
export function standardSort<T extends { id: number; name: string | null; created: string }>(): Record<
  string,
  (item: T) => string | number | null
> {
  return { id: (i) => i.id, name: (i) => i.name, created: (i) => i.created };
}

export function actionBody(action: ActionRec, now: number): Record<string, unknown> {
  return renderAction(action, now);
}

export function stringFilter(query: Record<string, unknown>, key: string): string[] | undefined {
  const v = query[key];
  if (v === undefined) return undefined;
  return (Array.isArray(v) ? v : [v]).map(String);
}

export function renderLocation(l: LocationInfo): Record<string, unknown> {
  return {
    id: l.id,
    name: l.name,
    description: l.description,
    country: l.country,
    city: l.city,
    latitude: l.latitude,
    longitude: l.longitude,
    network_zone: l.network_zone,
  };
}

export function locationByName(name: string): LocationInfo {
  const l = LOCATIONS.find((x) => x.name === name);
  if (!l) throw new Error(`unknown location ${name}`);
  return l;
}

export function renderDatacenter(l: LocationInfo, serverTypeIds: number[]): Record<string, unknown> {
  return {
    id: l.datacenter.id,
    name: l.datacenter.name,
    description: l.datacenter.description,
    location: renderLocation(l),
    server_types: {
      supported: serverTypeIds,
      available: serverTypeIds,
      available_for_migration: serverTypeIds,
    },
  };
}

export function renderServerType(t: ServerTypeInfo): Record<string, unknown> {
  return {
    id: t.id,
    name: t.name,
    description: t.description,
    category: t.category,
    cores: t.cores,
    memory: t.memory,
    disk: t.disk,
    cpu_type: t.cpu_type,
    architecture: t.architecture,
    storage_type: t.storage_type,
    deprecated: false,
    deprecation: null,
    prices: pricesFor(t.monthlyEur, t.locations),
    locations: t.locations.map((name) => ({ id: locationByName(name).id, name, deprecation: null })),
  };
}

export function renderLoadBalancerType(t: LoadBalancerTypeInfo): Record<string, unknown> {
  return {
    id: t.id,
    name: t.name,
    description: t.description,
    max_services: t.max_services,
    max_targets: t.max_targets,
    max_connections: t.max_connections,
    max_assigned_certificates: t.max_assigned_certificates,
    deprecated: null,
    prices: pricesFor(
      t.monthlyEur,
      LOCATIONS.map((l) => l.name),
    ),
  };
}

export function renderImage(image: ImageRec): Record<string, unknown> {
  return {
    id: image.id,
    type: image.type,
    status: image.status,
    name: image.name,
    description: image.description,
    labels: image.labels,
    created: image.created,
    architecture: image.architecture,
    os_flavor: image.os_flavor,
    os_version: image.os_version,
    disk_size: image.disk_size,
    image_size: image.image_size,
    created_from: image.created_from,
    bound_to: image.bound_to,
    rapid_deploy: image.rapid_deploy,
    deprecated: image.deprecated,
    deleted: null,
    protection: { delete: image.delete_protected },
  };
}

export function ok(body: unknown, status = 200): HandlerResponse {
  return { status, body };
}

export function noContent(): HandlerResponse {
  return { status: 204 };
}

export { ApiError };

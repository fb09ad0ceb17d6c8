/**
 * The get, list, rename/relabel, delete and single-action handlers that most resources share: each
 * resource is a named, labelled record kept in one map of the world. What differs per resource
 * (rendering, list filters, extra updatable fields, delete preconditions, what an action changes) is
 * passed in by the resource module.
 */
import { assertUnlocked, ref, startAction } from '../actions.js';
import type { Handler, HandlerRequest, HandlerResponse } from '../context.js';
import { idParam } from '../context.js';
import { validateLabels } from '../labels.js';
import type { Labels, ResourceRef, ResourceType, World } from '../types.js';
import {
  actionBody,
  assertNameFree,
  getOr404,
  listResponse,
  noContent,
  ok,
  stringFilter,
  type ListOptions,
} from './common.js';

export interface NamedRecord {
  id: number;
  name: string;
  labels: Labels;
}

/** How a resource sits in the world and in responses. */
export interface ResourceKind<T extends NamedRecord> {
  /** Its type in action resources and locks. */
  type: ResourceType;
  /** Response key of one item, e.g. `floating_ip`. */
  key: string;
  /** Response key of a list, e.g. `floating_ips`. */
  listKey: string;
  /** Name used in "not found" errors, e.g. `Floating IP`. */
  what: string;
  items: (world: World) => Record<number, T>;
  render: (world: World, item: T) => unknown;
}

/** The maps of the world whose records are named and labelled. */
export type NamedCollection = {
  [K in keyof World]: World[K] extends Record<number, NamedRecord> ? K : never;
}[keyof World];

type ItemOf<K extends NamedCollection> = World[K][number];

/** A kind whose one-item response key and action type is `type`, kept in `world[listKey]`. */
export function resourceKind<K extends NamedCollection>(
  listKey: K,
  type: ResourceType,
  what: string,
  render: (world: World, item: ItemOf<K>) => unknown,
): ResourceKind<ItemOf<K>> {
  return {
    type,
    key: type,
    listKey,
    what,
    items: (world) => world[listKey] as Record<number, ItemOf<K>>,
    render,
  };
}

/** Looks up the `{id}` path parameter of the request in the resource's map, or throws 404. */
export function findTarget<T extends NamedRecord>(req: HandlerRequest, kind: ResourceKind<T>): T {
  return getOr404(kind.items(req.ctx.world), idParam(req), kind.what);
}

export function getHandler<T extends NamedRecord>(kind: ResourceKind<T>): Handler {
  return (req) => ok({ [kind.key]: kind.render(req.ctx.world, findTarget(req, kind)) });
}

export interface ListHandlerOptions<T> {
  sort: NonNullable<ListOptions<T>['sort']>;
  /** Builds the extra filter of operation-specific query parameters, if any are given. */
  filter?: (req: HandlerRequest) => ((item: T) => boolean) | undefined;
}

/** Lists with the `name` and `label_selector` filters, sorting and pagination. */
export function listHandler<T extends NamedRecord>(
  kind: ResourceKind<T>,
  options: ListHandlerOptions<T>,
): Handler {
  return (req) => {
    const { world } = req.ctx;
    const items = Object.values(kind.items(world));
    return listResponse(req, kind.listKey, items, (item) => kind.render(world, item), {
      name: (item) => item.name,
      labels: (item) => item.labels,
      sort: options.sort,
      filter: options.filter?.(req),
    });
  };
}

/** A filter on a repeatable query parameter (`?status=a&status=b`), undefined when it is absent. */
export function queryFilter<T>(
  req: HandlerRequest,
  key: string,
  field: (item: T) => string,
): ((item: T) => boolean) | undefined {
  const wanted = stringFilter(req.query, key);
  return wanted ? (item) => wanted.includes(field(item)) : undefined;
}

/**
 * PUT: changes `name` (unique) and `labels`; `extra` applies resource-specific fields after both
 * have been validated.
 */
export function updateHandler<T extends NamedRecord, B extends object = object>(
  kind: ResourceKind<T>,
  extra?: (item: T, input: Partial<B>) => void,
): Handler {
  return (req) => {
    const { world } = req.ctx;
    const item = findTarget(req, kind);
    const input = req.body as { name?: string; labels?: Labels } & Partial<B>;
    if (input.name !== undefined) assertNameFree(kind.items(world), input.name, item.id);
    const labels = input.labels === undefined ? undefined : validateLabels(input.labels);
    if (input.name !== undefined) item.name = input.name;
    if (labels) item.labels = labels;
    extra?.(item, input);
    return ok({ [kind.key]: kind.render(world, item) });
  };
}

/** DELETE: `beforeDelete` throws when the resource may not go, or detaches what refers to it. */
export function removeHandler<T extends NamedRecord>(
  kind: ResourceKind<T>,
  beforeDelete?: (world: World, item: T) => void,
): Handler {
  return (req) => {
    const { world } = req.ctx;
    const item = findTarget(req, kind);
    beforeDelete?.(world, item);
    delete kind.items(world)[item.id];
    return noContent();
  };
}

export interface ItemActionSpec<T> {
  command: string;
  durationMs: number;
  /** Validates and applies the change; returns the action's resources, or nothing for the item alone. */
  change: (item: T) => ResourceRef[] | void;
}

/**
 * POST /{id}/actions/…: refuses while the item is locked, applies the change and starts one action
 * that locks the item.
 */
export function itemAction<T extends NamedRecord>(
  req: HandlerRequest,
  kind: ResourceKind<T>,
  spec: ItemActionSpec<T>,
): HandlerResponse {
  const { ctx } = req;
  const item = findTarget(req, kind);
  const self = ref(kind.type, item.id);
  assertUnlocked(ctx.world, self);
  const resources = spec.change(item) ?? [self];
  const action = startAction(ctx, {
    command: spec.command,
    durationMs: spec.durationMs,
    resources,
    locks: [self],
  });
  return ok({ action: actionBody(action, ctx.now) }, 201);
}

/** POST /{id}/actions/change_protection for resources whose only protection is `delete`. */
export function protectionHandler<T extends NamedRecord & { delete_protected: boolean }>(
  kind: ResourceKind<T>,
  durationMs: number,
): Handler {
  return (req) =>
    itemAction(req, kind, {
      command: 'change_protection',
      durationMs,
      change: (item) => {
        const input = req.body as { delete?: boolean };
        if (input.delete !== undefined) item.delete_protected = input.delete;
      },
    });
}

/** GET /actions, /actions/{id}, and the per-kind and per-resource action lists. */
import { renderAction } from '../actions.js';
import { notFound } from '../api-error.js';
import type { Handler, HandlerRequest, HandlerResponse } from '../context.js';
import { idParam } from '../context.js';
import type { ActionRec, ResourceType, World } from '../types.js';
import { listResponse, ok, stringFilter } from './common.js';

/** Path prefix → resource type, for the generic action routes. */
const KINDS: Record<string, { type: ResourceType; what: string; store: keyof World }> = {
  servers: { type: 'server', what: 'Server', store: 'servers' },
  networks: { type: 'network', what: 'Network', store: 'networks' },
  firewalls: { type: 'firewall', what: 'Firewall', store: 'firewalls' },
  load_balancers: { type: 'load_balancer', what: 'Load Balancer', store: 'load_balancers' },
  floating_ips: { type: 'floating_ip', what: 'Floating IP', store: 'floating_ips' },
  primary_ips: { type: 'primary_ip', what: 'Primary IP', store: 'primary_ips' },
  volumes: { type: 'volume', what: 'Volume', store: 'volumes' },
  images: { type: 'image', what: 'Image', store: 'images' },
  certificates: { type: 'certificate', what: 'Certificate', store: 'certificates' },
};

const ACTION_SORT: Record<string, (a: ActionRec) => string | number | null> = {
  id: (a) => a.id,
  command: (a) => a.command,
  status: (a) => a.status,
  started: (a) => a.startedAt,
  finished: (a) => a.finishedAt,
};

function touches(action: ActionRec, type: ResourceType, id?: number): boolean {
  return action.resources.some((r) => r.type === type && (id === undefined || r.id === id));
}

function actionList(req: HandlerRequest, actions: ActionRec[]): HandlerResponse {
  const ids = stringFilter(req.query, 'id');
  const statuses = stringFilter(req.query, 'status');
  return listResponse(req, 'actions', actions, (a) => renderAction(a, req.ctx.now), {
    sort: ACTION_SORT,
    filter: (a) => (!ids || ids.includes(String(a.id))) && (!statuses || statuses.includes(a.status)),
  });
}

function kindOf(req: HandlerRequest) {
  const prefix = req.url.pathname.split('/')[2] ?? '';
  const kind = KINDS[prefix];
  if (!kind) throw notFound('Resource kind', prefix);
  return kind;
}

function assertResource(req: HandlerRequest, kind: (typeof KINDS)[string], id: number): void {
  const store = req.ctx.world[kind.store] as Record<number, unknown>;
  if (store[id] === undefined) throw notFound(kind.what, id);
}

const getMultiple: Handler = (req) => {
  const ids = stringFilter(req.query, 'id') ?? [];
  const actions = ids
    .map((id) => req.ctx.world.actions[Number(id)])
    .filter((a): a is ActionRec => a !== undefined)
    .map((a) => renderAction(a, req.ctx.now));
  return ok({ actions });
};

const getOne: Handler = (req) => {
  const action = req.ctx.world.actions[idParam(req)];
  if (!action) throw notFound('Action', idParam(req));
  return ok({ action: renderAction(action, req.ctx.now) });
};

/** GET /{kind}/actions */
export const listKindActions: Handler = (req) => {
  const kind = kindOf(req);
  return actionList(
    req,
    Object.values(req.ctx.world.actions).filter((a) => touches(a, kind.type)),
  );
};

/** GET /{kind}/actions/{id} */
export const getKindAction: Handler = (req) => {
  const kind = kindOf(req);
  const action = req.ctx.world.actions[idParam(req)];
  if (!action || !touches(action, kind.type)) throw notFound('Action', idParam(req));
  return ok({ action: renderAction(action, req.ctx.now) });
};

/** GET /{kind}/{id}/actions */
export const listResourceActions: Handler = (req) => {
  const kind = kindOf(req);
  const id = idParam(req);
  assertResource(req, kind, id);
  return actionList(
    req,
    Object.values(req.ctx.world.actions).filter((a) => touches(a, kind.type, id)),
  );
};

/** GET /{kind}/{id}/actions/{action_id} */
export const getResourceAction: Handler = (req) => {
  const kind = kindOf(req);
  const id = idParam(req);
  assertResource(req, kind, id);
  const action = req.ctx.world.actions[idParam(req, 'action_id')];
  if (!action || !touches(action, kind.type, id)) throw notFound('Action', idParam(req, 'action_id'));
  return ok({ action: renderAction(action, req.ctx.now) });
};

export const actionHandlers: Record<string, Handler> = {
  get_multiple_actions: getMultiple,
  get_action: getOne,
};

/** Generic routes by path template, for every kind that has actions. */
export function genericActionHandler(template: string): Handler | undefined {
  if (/^\/\w+\/actions$/.test(template)) return listKindActions;
  if (/^\/\w+\/actions\/\{id\}$/.test(template)) return getKindAction;
  if (/^\/\w+\/\{id\}\/actions$/.test(template)) return listResourceActions;
  if (/^\/\w+\/\{id\}\/actions\/\{action_id\}$/.test(template)) return getResourceAction;
  return undefined;
}

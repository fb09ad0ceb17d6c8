/** Primary IPs: created with servers automatically, or on their own; assignable while the server is off. */
import { DURATIONS, assertUnlocked, ref, startAction } from '../actions.js';
import { invalidField, notFound, unprocessable } from '../api-error.js';
import { findDatacenter, findLocation } from '../catalog.js';
import type { Handler, HandlerRequest } from '../context.js';
import { validateLabels } from '../labels.js';
import type { PrimaryIpRec, ServerRec, World } from '../types.js';
import { allocateIpv6Network, allocateServerIpv4, isoTime, nextId } from '../world.js';
import { actionBody, assertNameFree, assertNotProtected, ok, renderLocation } from './common.js';
import { getHandler, itemAction, listHandler, removeHandler, resourceKind, updateHandler } from './crud.js';
import { changeDnsPtr, renderDnsPtrs } from './reverse-dns.js';
import { datacenterFor } from './server-view.js';

function render(ip: PrimaryIpRec): Record<string, unknown> {
  const location = findLocation(ip.location);
  return {
    id: ip.id,
    name: ip.name,
    labels: ip.labels,
    created: ip.created,
    type: ip.type,
    ip: ip.ip,
    blocked: false,
    dns_ptr: renderDnsPtrs(ip),
    assignee_id: ip.assignee_id,
    assignee_type: 'server',
    auto_delete: ip.auto_delete,
    location: location ? renderLocation(location) : null,
    datacenter: datacenterFor(ip.location),
    protection: { delete: ip.delete_protected },
  };
}

const primaryIps = resourceKind('primary_ips', 'primary_ip', 'Primary IP', (_, ip) => render(ip));

function requireStopped(server: ServerRec): void {
  if (server.status !== 'off') throw unprocessable('server_not_stopped', 'server must be stopped');
}

function checkAssignable(world: World, ip: PrimaryIpRec, serverId: number): ServerRec {
  const server = world.servers[serverId];
  if (!server) throw notFound('Server', serverId);
  requireStopped(server);
  if ((ip.type === 'ipv4' ? server.ipv4 : server.ipv6) !== null) {
    throw unprocessable(
      ip.type === 'ipv4' ? 'server_has_ipv4' : 'server_has_ipv6',
      `server already has a primary ${ip.type}`,
    );
  }
  if (server.location !== ip.location)
    throw unprocessable('primary_ip_datacenter_mismatch', 'primary IP is in another location');
  return server;
}

const create: Handler = ({ ctx, body }) => {
  const { world } = ctx;
  const input = body as {
    name: string;
    type: 'ipv4' | 'ipv6';
    assignee_id?: number | null;
    location?: string;
    datacenter?: string;
    auto_delete?: boolean;
    labels?: Record<string, string>;
  };
  assertNameFree(world.primary_ips, input.name);
  const labels = validateLabels(input.labels);
  let location: string | undefined;
  if (input.location !== undefined) location = findLocation(input.location)?.name;
  else if (input.datacenter !== undefined) location = findDatacenter(input.datacenter)?.name;
  const draft = { type: input.type, location: location ?? '' } as PrimaryIpRec;
  let server: ServerRec | undefined;
  if (input.assignee_id != null) {
    const target = world.servers[input.assignee_id];
    if (!target) throw notFound('Server', input.assignee_id);
    draft.location = location ?? target.location;
    server = checkAssignable(world, draft, target.id);
  } else if (location === undefined) {
    throw invalidField('location', 'location is required when no assignee is given');
  }
  const ip: PrimaryIpRec = {
    id: nextId(world, 'primary_ip'),
    name: input.name,
    labels,
    created: isoTime(ctx.now),
    type: input.type,
    ip: input.type === 'ipv4' ? allocateServerIpv4(world) : allocateIpv6Network(world),
    location: draft.location,
    assignee_id: server?.id ?? null,
    auto_delete: input.auto_delete ?? false,
    delete_protected: false,
    dns_ptr: [],
  };
  world.primary_ips[ip.id] = ip;
  if (server) {
    if (ip.type === 'ipv4') server.ipv4 = ip.id;
    else server.ipv6 = ip.id;
  }
  const action = startAction(ctx, {
    command: 'create_primary_ip',
    durationMs: DURATIONS.instant,
    resources: server ? [ref('primary_ip', ip.id), ref('server', server.id)] : [ref('primary_ip', ip.id)],
  });
  return ok({ primary_ip: render(ip), action: actionBody(action, ctx.now) }, 201);
};

const list = listHandler(primaryIps, {
  sort: { id: (p) => p.id, created: (p) => p.created },
  filter: (req) => {
    const wantedIp = req.query['ip'];
    return typeof wantedIp === 'string' ? (p) => p.ip === wantedIp : undefined;
  },
});

const get = getHandler(primaryIps);

const update = updateHandler<PrimaryIpRec, { auto_delete: boolean }>(primaryIps, (ip, input) => {
  if (input.auto_delete !== undefined) ip.auto_delete = input.auto_delete;
});

const remove = removeHandler(primaryIps, (world, ip) => {
  assertNotProtected(ip.delete_protected, 'primary IP');
  assertUnlocked(world, ref('primary_ip', ip.id));
  if (ip.assignee_id !== null)
    throw unprocessable('must_be_unassigned', 'primary IP must be unassigned before deletion');
});

/** An action on the primary IP; `change` returns the server it involves, if any. */
function ipAction(req: HandlerRequest, command: string, change: (ip: PrimaryIpRec) => number | null) {
  return itemAction(req, primaryIps, {
    command,
    durationMs: DURATIONS.instant,
    change: (ip) => {
      const serverId = change(ip);
      return [ref('primary_ip', ip.id), ...(serverId === null ? [] : [ref('server', serverId)])];
    },
  });
}

const assign: Handler = (req) =>
  ipAction(req, 'assign_primary_ip', (ip) => {
    const input = req.body as { assignee_id: number };
    if (ip.assignee_id !== null)
      throw unprocessable('primary_ip_already_assigned', 'primary IP is already assigned');
    const server = checkAssignable(req.ctx.world, ip, input.assignee_id);
    ip.assignee_id = server.id;
    if (ip.type === 'ipv4') server.ipv4 = ip.id;
    else server.ipv6 = ip.id;
    return server.id;
  });

const unassign: Handler = (req) =>
  ipAction(req, 'unassign_primary_ip', (ip) => {
    if (ip.assignee_id === null) throw invalidField('assignee_id', 'primary IP is not assigned');
    const server = req.ctx.world.servers[ip.assignee_id];
    if (server) {
      requireStopped(server);
      if (server.ipv4 === ip.id) server.ipv4 = null;
      if (server.ipv6 === ip.id) server.ipv6 = null;
    }
    const was = ip.assignee_id;
    ip.assignee_id = null;
    return was;
  });

const changeProtection: Handler = (req) =>
  ipAction(req, 'change_protection', (ip) => {
    const input = req.body as { delete?: boolean };
    if (input.delete === true && ip.auto_delete) {
      throw invalidField('delete', 'delete protection needs auto_delete to be disabled');
    }
    if (input.delete !== undefined) ip.delete_protected = input.delete;
    return null;
  });

const changeDnsPtrOf: Handler = (req) =>
  ipAction(req, 'change_dns_ptr', (ip) => {
    changeDnsPtr(ip, req.body as { ip: string; dns_ptr: string | null }, 'primary IP');
    return null;
  });

export const primaryIpHandlers: Record<string, Handler> = {
  list_primary_ips: list,
  create_primary_ip: create,
  get_primary_ip: get,
  replace_primary_ip: update,
  delete_primary_ip: remove,
  assign_primary_ip_to_resource: assign,
  unassign_primary_ip_from_resource: unassign,
  change_primary_ip_protection: changeProtection,
  change_reverse_dns_records_for_primary_ip: changeDnsPtrOf,
};

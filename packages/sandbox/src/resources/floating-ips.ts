/** Floating IPs (basic): create, assign/unassign, rDNS, protection. */
import { DURATIONS, assertUnlocked, ref, startAction } from '../actions.js';
import { invalidField, notFound, unprocessable } from '../api-error.js';
import { findLocation } from '../catalog.js';
import type { Handler, HandlerRequest } from '../context.js';
import { validateLabels } from '../labels.js';
import type { FloatingIpRec } from '../types.js';
import { allocateFloatingIpv4, allocateIpv6Network, isoTime, nextId } from '../world.js';
import { actionBody, assertNameFree, assertNotProtected, ok, renderLocation } from './common.js';
import {
  getHandler,
  itemAction,
  type ItemActionSpec,
  listHandler,
  protectionHandler,
  removeHandler,
  resourceKind,
  updateHandler,
} from './crud.js';
import { changeDnsPtr, renderDnsPtrs } from './reverse-dns.js';

function render(f: FloatingIpRec): Record<string, unknown> {
  const home = findLocation(f.home_location);
  return {
    id: f.id,
    name: f.name,
    description: f.description,
    labels: f.labels,
    created: f.created,
    type: f.type,
    ip: f.ip,
    server: f.server,
    home_location: home ? renderLocation(home) : null,
    blocked: false,
    dns_ptr: renderDnsPtrs(f),
    protection: { delete: f.delete_protected },
  };
}

const floatingIps = resourceKind('floating_ips', 'floating_ip', 'Floating IP', (_, f) => render(f));

const create: Handler = ({ ctx, body }) => {
  const { world } = ctx;
  const input = body as {
    type: 'ipv4' | 'ipv6';
    server?: number | null;
    home_location?: string;
    name?: string;
    description?: string | null;
    labels?: Record<string, string>;
  };
  const labels = validateLabels(input.labels);
  const server = input.server == null ? undefined : world.servers[input.server];
  if (input.server != null && !server) throw notFound('Server', input.server);
  const home = input.home_location === undefined ? undefined : findLocation(input.home_location);
  if (input.home_location !== undefined && !home) throw invalidField('home_location', 'location not found');
  if (!server && !home) throw invalidField('home_location', 'either server or home_location is required');
  const id = nextId(world, 'floating_ip');
  const name = input.name ?? `floating_ip-${id}`;
  assertNameFree(world.floating_ips, name);
  const f: FloatingIpRec = {
    id,
    name,
    description: input.description ?? null,
    labels,
    created: isoTime(ctx.now),
    type: input.type,
    ip: input.type === 'ipv4' ? allocateFloatingIpv4(world) : allocateIpv6Network(world),
    home_location: home?.name ?? server?.location ?? 'fsn1',
    server: server?.id ?? null,
    delete_protected: false,
    dns_ptr: [],
  };
  world.floating_ips[f.id] = f;
  const action = server
    ? startAction(ctx, {
        command: 'assign_floating_ip',
        durationMs: DURATIONS.instant,
        resources: [ref('floating_ip', f.id), ref('server', server.id)],
      })
    : undefined;
  return ok({ floating_ip: render(f), ...(action ? { action: actionBody(action, ctx.now) } : {}) }, 201);
};

const list = listHandler(floatingIps, { sort: { id: (f) => f.id, created: (f) => f.created } });

const get = getHandler(floatingIps);

const update = updateHandler<FloatingIpRec, { description: string }>(floatingIps, (f, input) => {
  if (input.description !== undefined) f.description = input.description;
});

const remove = removeHandler(floatingIps, (world, f) => {
  assertNotProtected(f.delete_protected, 'floating IP');
  assertUnlocked(world, ref('floating_ip', f.id));
  if (f.server !== null)
    throw unprocessable('must_be_unassigned', 'floating IP must be unassigned before deletion');
});

function fipAction(req: HandlerRequest, command: string, change: ItemActionSpec<FloatingIpRec>['change']) {
  return itemAction(req, floatingIps, { command, durationMs: DURATIONS.instant, change });
}

const assign: Handler = (req) =>
  fipAction(req, 'assign_floating_ip', (f) => {
    const serverId = (req.body as { server: number }).server;
    const server = req.ctx.world.servers[serverId];
    if (!server) throw notFound('Server', serverId);
    // Assigning moves the IP from the server that has it (what Talos's VIP failover relies on);
    // only assigning it to the server it is already on is refused.
    if (f.server === server.id)
      throw unprocessable('floating_ip_assigned', 'floating IP is already assigned to this server');
    const was = f.server;
    f.server = server.id;
    return [
      ref('floating_ip', f.id),
      ref('server', server.id),
      ...(was === null || was === server.id ? [] : [ref('server', was)]),
    ];
  });

const unassign: Handler = (req) =>
  fipAction(req, 'unassign_floating_ip', (f) => {
    const was = f.server;
    f.server = null;
    return was === null ? [ref('floating_ip', f.id)] : [ref('floating_ip', f.id), ref('server', was)];
  });

const changeProtection = protectionHandler(floatingIps, DURATIONS.instant);

const changeDnsPtrOf: Handler = (req) =>
  fipAction(req, 'change_dns_ptr', (f) => {
    changeDnsPtr(f, req.body as { ip: string; dns_ptr: string | null }, 'floating IP');
  });

export const floatingIpHandlers: Record<string, Handler> = {
  list_floating_ips: list,
  create_floating_ip: create,
  get_floating_ip: get,
  replace_floating_ip: update,
  delete_floating_ip: remove,
  assign_floating_ip_to_server: assign,
  unassign_floating_ip: unassign,
  change_floating_ip_protection: changeProtection,
  change_reverse_dns_records_for_floating_ip: changeDnsPtrOf,
};

/** Floating IPs (basic): create, assign/unassign, rDNS, protection. */
import { DURATIONS, assertUnlocked, ref, startAction, type ActionSpec } from '../actions.js';
import { invalidField, notFound, unprocessable } from '../api-error.js';
import { findLocation } from '../catalog.js';
import type { Handler, HandlerRequest } from '../context.js';
import { idParam } from '../context.js';
import { validateLabels } from '../labels.js';
import type { FloatingIpRec } from '../types.js';
import { allocateFloatingIpv4, allocateIpv6Network, isoTime, nextId } from '../world.js';
import {
  actionBody,
  assertNameFree,
  assertNotProtected,
  getOr404,
  listResponse,
  noContent,
  ok,
  renderLocation,
} from './common.js';
import { defaultIpv4Ptr } from './server-view.js';

function render(f: FloatingIpRec): Record<string, unknown> {
  const home = findLocation(f.home_location);
  const ptrs =
    f.type === 'ipv4' && !f.dns_ptr.some((p) => p.ip === f.ip)
      ? [...f.dns_ptr, { ip: f.ip, dns_ptr: defaultIpv4Ptr(f.ip) }]
      : f.dns_ptr;
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
    dns_ptr: ptrs,
    protection: { delete: f.delete_protected },
  };
}

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

const list: Handler = (req) =>
  listResponse(req, 'floating_ips', Object.values(req.ctx.world.floating_ips), render, {
    name: (f) => f.name,
    labels: (f) => f.labels,
    sort: { id: (f) => f.id, created: (f) => f.created },
  });

const get: Handler = (req) =>
  ok({ floating_ip: render(getOr404(req.ctx.world.floating_ips, idParam(req), 'Floating IP')) });

const update: Handler = (req) => {
  const { world } = req.ctx;
  const f = getOr404(world.floating_ips, idParam(req), 'Floating IP');
  const input = req.body as { name?: string; description?: string; labels?: Record<string, string> };
  if (input.name !== undefined) assertNameFree(world.floating_ips, input.name, f.id);
  const labels = input.labels === undefined ? undefined : validateLabels(input.labels);
  if (input.name !== undefined) f.name = input.name;
  if (input.description !== undefined) f.description = input.description;
  if (labels) f.labels = labels;
  return ok({ floating_ip: render(f) });
};

const remove: Handler = (req) => {
  const { world } = req.ctx;
  const f = getOr404(world.floating_ips, idParam(req), 'Floating IP');
  assertNotProtected(f.delete_protected, 'floating IP');
  assertUnlocked(world, ref('floating_ip', f.id));
  if (f.server !== null)
    throw unprocessable('must_be_unassigned', 'floating IP must be unassigned before deletion');
  delete world.floating_ips[f.id];
  return noContent();
};

function fipAction(
  req: HandlerRequest,
  command: string,
  change: (f: FloatingIpRec) => ActionSpec['resources'],
) {
  const { ctx } = req;
  const f = getOr404(ctx.world.floating_ips, idParam(req), 'Floating IP');
  assertUnlocked(ctx.world, ref('floating_ip', f.id));
  const resources = change(f);
  const action = startAction(ctx, { command, durationMs: DURATIONS.instant, resources });
  return ok({ action: actionBody(action, ctx.now) }, 201);
}

const assign: Handler = (req) =>
  fipAction(req, 'assign_floating_ip', (f) => {
    const serverId = (req.body as { server: number }).server;
    const server = req.ctx.world.servers[serverId];
    if (!server) throw notFound('Server', serverId);
    if (f.server !== null) throw unprocessable('floating_ip_assigned', 'floating IP is already assigned');
    f.server = server.id;
    return [ref('floating_ip', f.id), ref('server', server.id)];
  });

const unassign: Handler = (req) =>
  fipAction(req, 'unassign_floating_ip', (f) => {
    const was = f.server;
    f.server = null;
    return was === null ? [ref('floating_ip', f.id)] : [ref('floating_ip', f.id), ref('server', was)];
  });

const changeProtection: Handler = (req) =>
  fipAction(req, 'change_protection', (f) => {
    const input = req.body as { delete?: boolean };
    if (input.delete !== undefined) f.delete_protected = input.delete;
    return [ref('floating_ip', f.id)];
  });

const changeDnsPtr: Handler = (req) =>
  fipAction(req, 'change_dns_ptr', (f) => {
    const input = req.body as { ip: string; dns_ptr: string | null };
    const belongs = f.type === 'ipv4' ? input.ip === f.ip : input.ip.startsWith(f.ip.replace(/::\/64$/, ':'));
    if (!belongs) throw invalidField('ip', 'the IP address does not belong to this floating IP');
    f.dns_ptr = f.dns_ptr.filter((e) => e.ip !== input.ip);
    if (input.dns_ptr !== null) f.dns_ptr.push({ ip: input.ip, dns_ptr: input.dns_ptr });
    return [ref('floating_ip', f.id)];
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
  change_reverse_dns_records_for_floating_ip: changeDnsPtr,
};

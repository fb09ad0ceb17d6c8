/** POST /servers/{id}/actions/*: power, type, protection, rDNS, networks, placement, rescue, images. */
import { randomBytes } from 'node:crypto';
import { DURATIONS, assertUnlocked, ref, startAction, type ActionSpec } from '../actions.js';
import { invalidField, notFound, protectedError, unprocessable } from '../api-error.js';
import { findLocation, findServerType } from '../catalog.js';
import type { Handler, HandlerRequest, HandlerResponse } from '../context.js';
import { idParam } from '../context.js';
import { ipToInt } from '../ip.js';
import { diskOfImage, talosOnDisk } from '../disk.js';
import { validateLabels } from '../labels.js';
import { armRescue } from '../rescue/state.js';
import type { ImageRec, ServerRec, ServerStatus } from '../types.js';
import { allocateMac, isoTime, nextId } from '../world.js';
import { actionBody, getOr404, ok, renderImage } from './common.js';
import { allocatePrivateIp, checkAliasIps } from './networks.js';
import { assertPlacementRoom, resolveImage } from './servers.js';

type PrepareResult = Omit<ActionSpec, 'resources'> & {
  resources?: ActionSpec['resources'];
  extra?: Record<string, unknown>;
};

/**
 * Runs one server action: checks the lock, lets `prepare` validate and change the world, then
 * starts the action. `prepare` must throw before changing anything.
 */
function serverAction(req: HandlerRequest, prepare: (s: ServerRec) => PrepareResult): HandlerResponse {
  const { ctx } = req;
  const server = getOr404(ctx.world.servers, idParam(req), 'Server');
  assertUnlocked(ctx.world, ref('server', server.id));
  const spec = prepare(server);
  const resources = spec.resources ?? [ref('server', server.id)];
  const action = startAction(ctx, { ...spec, resources, locks: spec.locks ?? [ref('server', server.id)] });
  return ok({ action: actionBody(action, ctx.now), ...spec.extra }, 201);
}

function requireOff(server: ServerRec): void {
  if (server.status !== 'off')
    throw unprocessable('server_not_stopped', 'server must be stopped before changing this');
}

function power(
  command: string,
  duration: number,
  during: ServerStatus | null,
  after: ServerStatus,
  event: 'on' | 'off' | 'reboot' | 'reset',
): Handler {
  return (req) =>
    serverAction(req, (s) => {
      const changes = event === 'reboot' || event === 'reset' || s.status !== after;
      if (during && changes) s.status = during;
      return {
        command,
        durationMs: duration,
        effect: { kind: 'server-status', server: s.id, status: after, ...(changes ? { power: event } : {}) },
      };
    });
}

const changeType: Handler = (req) =>
  serverAction(req, (s) => {
    const input = req.body as { server_type: string; upgrade_disk: boolean };
    requireOff(s);
    const current = findServerType(s.server_type);
    const next = findServerType(input.server_type);
    if (!next || !current)
      throw unprocessable('invalid_server_type', `server type '${input.server_type}' not found`);
    if (next.architecture !== current.architecture) {
      throw unprocessable('invalid_server_type', 'the new server type has another architecture');
    }
    if (!next.locations.includes(s.location)) {
      throw unprocessable(
        'invalid_server_type',
        `server type ${next.name} is not available in ${s.location}`,
      );
    }
    if (next.disk < s.primary_disk_size) {
      throw unprocessable('invalid_server_type', 'the disk of the new server type is too small');
    }
    s.status = 'migrating';
    return {
      command: 'change_server_type',
      durationMs: DURATIONS.changeType,
      effect: {
        kind: 'server-type',
        server: s.id,
        serverType: next.id,
        diskSize: input.upgrade_disk ? next.disk : s.primary_disk_size,
      },
    };
  });

const changeProtection: Handler = (req) =>
  serverAction(req, (s) => {
    const input = req.body as { delete?: boolean; rebuild?: boolean };
    if (input.delete !== undefined && input.rebuild !== undefined && input.delete !== input.rebuild) {
      throw invalidField('rebuild', 'delete and rebuild protection must have the same value');
    }
    if (input.delete !== undefined) s.delete_protected = input.delete;
    if (input.rebuild !== undefined) s.rebuild_protected = input.rebuild;
    return { command: 'change_protection', durationMs: DURATIONS.instant };
  });

const changeDnsPtr: Handler = (req) =>
  serverAction(req, (s) => {
    const input = req.body as { ip: string; dns_ptr: string | null };
    const { world } = req.ctx;
    const owners = [s.ipv4, s.ipv6].map((id) => (id === null ? undefined : world.primary_ips[id]));
    const owner = owners.find((p) =>
      p === undefined
        ? false
        : p.type === 'ipv4'
          ? p.ip === input.ip
          : input.ip.startsWith(p.ip.replace(/::\/64$/, ':')),
    );
    if (!owner) throw invalidField('ip', 'the IP address does not belong to this server');
    owner.dns_ptr = owner.dns_ptr.filter((e) => e.ip !== input.ip);
    if (input.dns_ptr !== null) owner.dns_ptr.push({ ip: input.ip, dns_ptr: input.dns_ptr });
    return { command: 'change_dns_ptr', durationMs: DURATIONS.instant };
  });

const attachToNetwork: Handler = (req) =>
  serverAction(req, (s) => {
    const input = req.body as { network: number; ip?: string; ip_range?: string; alias_ips?: string[] };
    const { world } = req.ctx;
    const network = world.networks[input.network];
    if (!network) throw notFound('Network', input.network);
    if (s.private_net.some((p) => p.network === network.id)) {
      throw unprocessable('server_already_attached', 'server is already attached to this network');
    }
    const zone = findLocation(s.location)?.network_zone ?? 'eu-central';
    const ip = allocatePrivateIp(world, network, zone, { ip: input.ip, ipRange: input.ip_range });
    for (const alias of input.alias_ips ?? []) {
      if (ipToInt(alias) === null) throw invalidField('alias_ips', `invalid alias IP '${alias}'`);
    }
    s.private_net.push({
      network: network.id,
      ip,
      alias_ips: input.alias_ips ?? [],
      mac_address: allocateMac(world),
    });
    return {
      command: 'attach_to_network',
      durationMs: DURATIONS.network,
      resources: [ref('server', s.id), ref('network', network.id)],
    };
  });

const detachFromNetwork: Handler = (req) =>
  serverAction(req, (s) => {
    const input = req.body as { network: number };
    if (!req.ctx.world.networks[input.network]) throw notFound('Network', input.network);
    if (!s.private_net.some((p) => p.network === input.network)) {
      throw unprocessable('server_not_attached_to_network', 'server is not attached to this network');
    }
    s.private_net = s.private_net.filter((p) => p.network !== input.network);
    return {
      command: 'detach_from_network',
      durationMs: DURATIONS.network,
      resources: [ref('server', s.id), ref('network', input.network)],
    };
  });

/** Replaces the server's alias IPs in one attached network (the list given is the whole new list). */
const changeAliasIps: Handler = (req) =>
  serverAction(req, (s) => {
    const input = req.body as { network: number; alias_ips: string[] };
    const { world } = req.ctx;
    const network = world.networks[input.network];
    if (!network) throw notFound('Network', input.network);
    const attachment = s.private_net.find((p) => p.network === network.id);
    if (!attachment) {
      throw unprocessable('server_not_attached_to_network', 'server is not attached to this network');
    }
    checkAliasIps(world, network, s.id, input.alias_ips);
    attachment.alias_ips = [...new Set(input.alias_ips)];
    return {
      command: 'change_alias_ips',
      durationMs: DURATIONS.network,
      resources: [ref('server', s.id), ref('network', network.id)],
    };
  });

const addToPlacementGroup: Handler = (req) =>
  serverAction(req, (s) => {
    const input = req.body as { placement_group: number };
    const group = req.ctx.world.placement_groups[input.placement_group];
    if (!group) throw notFound('Placement Group', input.placement_group);
    requireOff(s);
    if (s.placement_group !== null)
      throw invalidField('placement_group', 'server is already in a placement group');
    assertPlacementRoom(req.ctx.world, group.id);
    s.placement_group = group.id;
    return {
      command: 'add_to_placement_group',
      durationMs: DURATIONS.instant,
      resources: [ref('server', s.id), ref('placement_group', group.id)],
    };
  });

const removeFromPlacementGroup: Handler = (req) =>
  serverAction(req, (s) => {
    if (s.placement_group === null)
      throw invalidField('placement_group', 'server is not in a placement group');
    const group = s.placement_group;
    s.placement_group = null;
    return {
      command: 'remove_from_placement_group',
      durationMs: DURATIONS.instant,
      resources: [ref('server', s.id), ref('placement_group', group)],
    };
  });

const rebuild: Handler = (req) =>
  serverAction(req, (s) => {
    const input = req.body as { image: string };
    if (s.rebuild_protected) throw protectedError('server');
    const arch = findServerType(s.server_type)?.architecture ?? 'x86';
    const image = resolveImage(req.ctx.world, input.image, arch);
    const wasRunning = s.status === 'running';
    s.image = image.id;
    s.disk = diskOfImage(image);
    s.status = 'rebuilding';
    return {
      command: 'rebuild_server',
      durationMs: DURATIONS.rebuild,
      effect: {
        kind: 'server-status',
        server: s.id,
        status: wasRunning ? 'running' : 'off',
        ...(wasRunning ? { power: 'reset' as const } : {}),
      },
      extra: { root_password: s.ssh_keys.length > 0 ? null : randomBytes(12).toString('base64url') },
    };
  });

const enableRescue: Handler = (req) =>
  serverAction(req, (s) => {
    const input = req.body as { ssh_keys?: number[] };
    for (const id of input.ssh_keys ?? []) {
      if (!req.ctx.world.ssh_keys[id]) throw invalidField('ssh_keys', `SSH key ${id} not found`);
    }
    armRescue(s, input.ssh_keys ?? []);
    return {
      command: 'enable_rescue',
      durationMs: DURATIONS.instant,
      extra: { root_password: randomBytes(12).toString('base64url') },
    };
  });

const disableRescue: Handler = (req) =>
  serverAction(req, (s) => {
    s.rescue_enabled = false;
    return { command: 'disable_rescue', durationMs: DURATIONS.instant };
  });

const createImage: Handler = (req) => {
  let image: ImageRec | undefined;
  const response = serverAction(req, (s) => {
    const input = req.body as {
      type?: 'snapshot' | 'backup';
      description?: string;
      labels?: Record<string, string>;
    };
    const { world, now } = req.ctx;
    const labels = validateLabels(input.labels);
    const arch = findServerType(s.server_type)?.architecture ?? 'x86';
    image = {
      id: nextId(world, 'image'),
      type: input.type ?? 'snapshot',
      status: 'creating',
      name: null,
      description: input.description ?? `${s.name}-${isoTime(now)}`,
      labels,
      created: isoTime(now),
      architecture: arch,
      os_flavor: (s.image === null ? undefined : world.images[s.image]?.os_flavor) ?? 'unknown',
      os_version: null,
      disk_size: s.primary_disk_size,
      image_size: null,
      created_from: { id: s.id, name: s.name },
      bound_to: input.type === 'backup' ? s.id : null,
      rapid_deploy: false,
      deprecated: null,
      delete_protected: false,
      // What the disk holds now (a Talos image `dd` wrote, or none): what servers from it boot.
      disk: { talos: structuredClone(talosOnDisk(world, s)) },
    };
    world.images[image.id] = image;
    return {
      command: 'create_image',
      durationMs: DURATIONS.image,
      resources: [ref('server', s.id), ref('image', image.id)],
      locks: [ref('server', s.id), ref('image', image.id)],
      effect: { kind: 'image-available', image: image.id },
    };
  });
  return image ? ok({ ...(response.body as object), image: renderImage(image) }, 201) : response;
};

export const serverActionHandlers: Record<string, Handler> = {
  power_on_server: power('start_server', DURATIONS.startServer, 'starting', 'running', 'on'),
  power_off_server: power('stop_server', DURATIONS.stopServer, 'stopping', 'off', 'off'),
  shutdown_server: power('shutdown_server', DURATIONS.stopServer, null, 'off', 'off'),
  soft_reboot_server: power('reboot_server', DURATIONS.rebootServer, null, 'running', 'reboot'),
  reset_server: power('reset_server', DURATIONS.rebootServer, null, 'running', 'reset'),
  change_type_of_server: changeType,
  change_server_protection: changeProtection,
  change_reverse_dns_entry_for_this_server: changeDnsPtr,
  attach_server_to_network: attachToNetwork,
  detach_server_from_network: detachFromNetwork,
  change_alias_ips_of_network: changeAliasIps,
  add_server_to_placement_group: addToPlacementGroup,
  remove_from_placement_group: removeFromPlacementGroup,
  rebuild_server_from_image: rebuild,
  enable_rescue_mode_for_server: enableRescue,
  disable_rescue_mode_for_server: disableRescue,
  create_image_from_server: createImage,
};

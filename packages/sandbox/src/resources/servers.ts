/** Servers: create (with primary IPs, networks, firewalls, placement), list, get, update, delete. */
import { randomBytes } from 'node:crypto';
import { DURATIONS, assertUnlocked, ref, startAction } from '../actions.js';
import { invalidField, unprocessable, uniquenessError } from '../api-error.js';
import { findDatacenter, findLocation, findServerType, type ServerTypeInfo } from '../catalog.js';
import type { Handler, SimContext } from '../context.js';
import { diskOfImage } from '../disk.js';
import { serverInfo } from '../hooks.js';
import { validateLabels } from '../labels.js';
import type { ImageRec, NetworkRec, PrimaryIpRec, ServerRec, VolumeRec, World } from '../types.js';
import { allocateIpv6Network, allocateMac, allocateServerIpv4, isoTime, nextId } from '../world.js';
import { actionBody, assertNameFree, assertNotProtected, ok, standardSort } from './common.js';
import { findTarget, getHandler, listHandler, queryFilter, resourceKind } from './crud.js';
import { allocatePrivateIp } from './networks.js';
import { renderServer } from './server-view.js';

export const PLACEMENT_GROUP_MAX_SERVERS = 10;
const HOSTNAME =
  /^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
const USER_DATA_MAX = 32 * 1024;

export function assertHostname(name: string): void {
  if (!HOSTNAME.test(name)) throw invalidField('name', 'name must be a valid hostname (RFC 1123)');
}

/** System images by name (matching the architecture), any image by id. */
export function resolveImage(world: World, idOrName: string, arch: 'x86' | 'arm'): ImageRec {
  const images = Object.values(world.images);
  const image = /^\d+$/.test(idOrName)
    ? images.find((i) => i.id === Number(idOrName))
    : (images.find((i) => i.name === idOrName && i.architecture === arch) ??
      images.find((i) => i.name === idOrName));
  if (!image || image.status !== 'available') throw invalidField('image', `image '${idOrName}' not found`);
  if (image.architecture !== arch) {
    throw invalidField(
      'image',
      `image architecture ${image.architecture} does not match server type architecture ${arch}`,
    );
  }
  return image;
}

export function assertPlacementRoom(world: World, groupId: number): void {
  const members = Object.values(world.servers).filter((s) => s.placement_group === groupId).length;
  if (members >= PLACEMENT_GROUP_MAX_SERVERS) {
    throw unprocessable(
      'placement_group_member_limit_reached',
      `placement group with ID ${groupId} contains already ${PLACEMENT_GROUP_MAX_SERVERS} servers`,
    );
  }
}

export function newPrimaryIp(
  world: World,
  now: number,
  type: 'ipv4' | 'ipv6',
  location: string,
  server: number,
): PrimaryIpRec {
  const id = nextId(world, 'primary_ip');
  return {
    id,
    name: `primary_ip-${id}`,
    labels: {},
    created: isoTime(now),
    type,
    ip: type === 'ipv4' ? allocateServerIpv4(world) : allocateIpv6Network(world),
    location,
    assignee_id: server,
    auto_delete: true,
    delete_protected: false,
    dns_ptr: [],
  };
}

interface CreateServerBody {
  name: string;
  server_type: string;
  image: string;
  location?: string;
  datacenter?: string;
  labels?: Record<string, string>;
  networks?: number[];
  firewalls?: { firewall: number }[];
  placement_group?: number;
  ssh_keys?: string[];
  public_net?: { enable_ipv4?: boolean; enable_ipv6?: boolean; ipv4?: number | null; ipv6?: number | null };
  user_data?: string;
  start_after_create?: boolean;
  volumes?: number[];
}

function resolveLocation(input: CreateServerBody, type: ServerTypeInfo): string {
  if (input.location !== undefined && input.datacenter !== undefined) {
    throw invalidField('location', 'location and datacenter are mutually exclusive');
  }
  let location = 'fsn1';
  if (input.location !== undefined) {
    const l = findLocation(input.location);
    if (!l) throw invalidField('location', `location '${input.location}' not found`);
    location = l.name;
  } else if (input.datacenter !== undefined) {
    const l = findDatacenter(input.datacenter);
    if (!l) throw invalidField('datacenter', `datacenter '${input.datacenter}' not found`);
    location = l.name;
  } else if (!type.locations.includes(location)) {
    location = type.locations[0] ?? location;
  }
  if (!type.locations.includes(location)) {
    throw unprocessable('invalid_input', `server type ${type.name} is not available in location ${location}`);
  }
  return location;
}

function resolveSshKeys(world: World, keys: string[] | undefined): number[] {
  return (keys ?? []).map((k) => {
    const key = Object.values(world.ssh_keys).find((s) => String(s.id) === k || s.name === k);
    if (!key) throw invalidField('ssh_keys', `SSH key '${k}' not found`);
    return key.id;
  });
}

function explicitPrimaryIp(world: World, id: number, type: 'ipv4' | 'ipv6', location: string): PrimaryIpRec {
  const ip = world.primary_ips[id];
  if (!ip) throw invalidField(`public_net.${type}`, `primary IP ${id} not found`);
  if (ip.type !== type)
    throw unprocessable('primary_ip_version_mismatch', `primary IP ${id} is not of type ${type}`);
  if (ip.assignee_id !== null)
    throw unprocessable('primary_ip_assigned', `primary IP ${id} is already assigned`);
  if (ip.location !== location) {
    throw unprocessable('primary_ip_datacenter_mismatch', `primary IP ${id} is in another location`);
  }
  return ip;
}

interface CreatePlan {
  input: CreateServerBody;
  labels: Record<string, string>;
  type: ServerTypeInfo;
  location: string;
  image: ImageRec;
  sshKeys: number[];
  networks: NetworkRec[];
  volumes: VolumeRec[];
  ipv4: PrimaryIpRec | 'new' | undefined;
  ipv6: PrimaryIpRec | 'new' | undefined;
}

/** Every check of a create request, before anything in the world changes. */
function planCreate(world: World, input: CreateServerBody): CreatePlan {
  assertHostname(input.name);
  assertNameFree(world.servers, input.name);
  const labels = validateLabels(input.labels);
  const type = findServerType(input.server_type);
  if (!type) throw invalidField('server_type', `server type '${input.server_type}' not found`);
  const location = resolveLocation(input, type);
  const image = resolveImage(world, input.image, type.architecture);
  if (input.user_data !== undefined && Buffer.byteLength(input.user_data) > USER_DATA_MAX) {
    throw invalidField('user_data', 'user_data must be at most 32 KiB');
  }
  const sshKeys = resolveSshKeys(world, input.ssh_keys);
  const networks = (input.networks ?? []).map((id) => {
    const n = world.networks[id];
    if (!n) throw invalidField('networks', `network ${id} not found`);
    return n;
  });
  for (const fw of input.firewalls ?? []) {
    if (!world.firewalls[fw.firewall]) throw invalidField('firewalls', `firewall ${fw.firewall} not found`);
  }
  if (input.placement_group !== undefined) {
    if (!world.placement_groups[input.placement_group]) {
      throw invalidField('placement_group', `placement group ${input.placement_group} not found`);
    }
    assertPlacementRoom(world, input.placement_group);
  }
  const volumes = (input.volumes ?? []).map((id) => {
    const v = world.volumes[id];
    if (!v) throw invalidField('volumes', `volume ${id} not found`);
    if (v.server !== null) throw unprocessable('volume_already_attached', `volume ${id} is already attached`);
    if (v.location !== location) throw invalidField('volumes', `volume ${id} is in another location`);
    return v;
  });
  const pub = input.public_net ?? {};
  const enable4 = pub.enable_ipv4 ?? true;
  const enable6 = pub.enable_ipv6 ?? true;
  if (!enable4 && !enable6 && networks.length === 0) {
    throw invalidField('networks', 'a server without public network must be attached to a network');
  }
  const pick = (enabled: boolean, id: number | null | undefined, kind: 'ipv4' | 'ipv6') =>
    !enabled ? undefined : id != null ? explicitPrimaryIp(world, id, kind, location) : ('new' as const);
  return {
    input,
    labels,
    type,
    location,
    image,
    sshKeys,
    networks,
    volumes,
    ipv4: pick(enable4, pub.ipv4, 'ipv4'),
    ipv6: pick(enable6, pub.ipv6, 'ipv6'),
  };
}

/** Writes the server and everything it points at into the world. */
function buildServer(ctx: SimContext, plan: CreatePlan): ServerRec {
  const { world } = ctx;
  const { input, location } = plan;
  const id = nextId(world, 'server');
  const zone = findLocation(location)?.network_zone ?? 'eu-central';
  const privateNet = plan.networks.map((n) => ({
    network: n.id,
    ip: allocatePrivateIp(world, n, zone),
    alias_ips: [] as string[],
    mac_address: allocateMac(world),
  }));
  const assign = (choice: CreatePlan['ipv4'], kind: 'ipv4' | 'ipv6'): number | null => {
    if (choice === undefined) return null;
    const ip = choice === 'new' ? newPrimaryIp(world, ctx.now, kind, location, id) : choice;
    ip.assignee_id = id;
    world.primary_ips[ip.id] = ip;
    return ip.id;
  };
  const server: ServerRec = {
    id,
    name: input.name,
    labels: plan.labels,
    created: isoTime(ctx.now),
    status: 'initializing',
    server_type: plan.type.id,
    image: plan.image.id,
    location,
    placement_group: input.placement_group ?? null,
    ipv4: assign(plan.ipv4, 'ipv4'),
    ipv6: assign(plan.ipv6, 'ipv6'),
    private_net: privateNet,
    delete_protected: false,
    rebuild_protected: false,
    rescue_enabled: false,
    backup_window: null,
    primary_disk_size: plan.type.disk,
    ssh_keys: plan.sshKeys,
    user_data: input.user_data ?? null,
    disk: diskOfImage(plan.image),
  };
  world.servers[id] = server;
  for (const fw of input.firewalls ?? []) {
    world.firewalls[fw.firewall]?.apply_to.push({ type: 'server', server: id });
  }
  for (const v of plan.volumes) v.server = id;
  return server;
}

const servers = resourceKind('servers', 'server', 'Server', renderServer);

const create: Handler = ({ ctx, body }) => {
  const plan = planCreate(ctx.world, body as CreateServerBody);
  const server = buildServer(ctx, plan);
  const start = plan.input.start_after_create ?? true;
  const resources = [ref('server', server.id)];
  const createAction = startAction(ctx, {
    command: 'create_server',
    durationMs: DURATIONS.createServer,
    resources,
    effect: { kind: 'server-status', server: server.id, status: start ? 'starting' : 'off' },
  });
  const nextActions = start
    ? [
        startAction(ctx, {
          command: 'start_server',
          durationMs: DURATIONS.startServer,
          resources,
          after: createAction,
          effect: { kind: 'server-status', server: server.id, status: 'running', power: 'on' },
        }),
      ]
    : [];
  ctx.events.push({ kind: 'created', server: serverInfo(ctx.world, server), restored: false });
  return ok(
    {
      server: renderServer(ctx.world, server),
      action: actionBody(createAction, ctx.now),
      next_actions: nextActions.map((a) => actionBody(a, ctx.now)),
      root_password: plan.sshKeys.length > 0 ? null : randomBytes(12).toString('base64url'),
    },
    201,
  );
};

const list = listHandler(servers, {
  sort: standardSort(),
  filter: (req) => queryFilter(req, 'status', (s) => s.status),
});

const get = getHandler(servers);

const update: Handler = (req) => {
  const { world } = req.ctx;
  const s = findTarget(req, servers);
  const input = req.body as { name?: string; labels?: Record<string, string> };
  if (input.name !== undefined) {
    assertHostname(input.name);
    if (Object.values(world.servers).some((o) => o.name === input.name && o.id !== s.id))
      throw uniquenessError();
  }
  const labels = input.labels === undefined ? undefined : validateLabels(input.labels);
  if (input.name !== undefined) s.name = input.name;
  if (labels) s.labels = labels;
  return ok({ server: renderServer(world, s) });
};

const remove: Handler = (req) => {
  const { ctx } = req;
  const s = findTarget(req, servers);
  assertNotProtected(s.delete_protected, 'server');
  assertUnlocked(ctx.world, ref('server', s.id));
  s.status = 'deleting';
  const action = startAction(ctx, {
    command: 'delete_server',
    durationMs: DURATIONS.deleteServer,
    resources: [ref('server', s.id)],
    effect: { kind: 'server-delete', server: s.id },
  });
  return ok({ action: actionBody(action, ctx.now) });
};

export const serverHandlers: Record<string, Handler> = {
  list_servers: list,
  create_server: create,
  get_server: get,
  replace_server: update,
  delete_server: remove,
};

/** Networks, their subnets and routes, and private address allocation. */
import { DURATIONS, isLocked, ref, startAction } from '../actions.js';
import { ApiError, invalidField, notFound, unprocessable } from '../api-error.js';
import { LOCATIONS } from '../catalog.js';
import type { Handler, HandlerRequest } from '../context.js';
import {
  cidrContains,
  cidrContainsIp,
  cidrSize,
  cidrsOverlap,
  formatCidr,
  intToIp,
  ipToInt,
  isPrivateRange,
  parseCidr,
  type Cidr,
} from '../ip.js';
import { validateLabels } from '../labels.js';
import type { NetworkRec, RouteRec, SubnetRec, World } from '../types.js';
import { isoTime, nextId } from '../world.js';
import { actionBody, assertNameFree, assertNotProtected, ok, standardSort } from './common.js';
import { findTarget, getHandler, listHandler, removeHandler, resourceKind, updateHandler } from './crud.js';

const RESERVED = ipToInt('172.31.1.1') as number;
const ZONES = new Set(LOCATIONS.map((l) => l.network_zone));

export function networkGateway(network: NetworkRec): string {
  const cidr = parseCidr(network.ip_range) as Cidr;
  return intToIp(cidr.base + 1);
}

function renderNetwork(world: World, n: NetworkRec): Record<string, unknown> {
  const gateway = networkGateway(n);
  return {
    id: n.id,
    name: n.name,
    labels: n.labels,
    created: n.created,
    ip_range: n.ip_range,
    subnets: n.subnets.map((s) => ({ ...s, gateway })),
    routes: n.routes,
    servers: Object.values(world.servers)
      .filter((s) => s.private_net.some((p) => p.network === n.id))
      .map((s) => s.id),
    load_balancers: Object.values(world.load_balancers)
      .filter((lb) => lb.private_net.some((p) => p.network === n.id))
      .map((lb) => lb.id),
    protection: { delete: n.delete_protected },
    expose_routes_to_vswitch: n.expose_routes_to_vswitch,
  };
}

function usedIps(world: World, networkId: number): Set<number> {
  const used = new Set<number>();
  for (const s of Object.values(world.servers)) {
    for (const p of s.private_net) {
      if (p.network !== networkId) continue;
      for (const ip of [p.ip, ...p.alias_ips]) used.add(ipToInt(ip) ?? -1);
    }
  }
  for (const lb of Object.values(world.load_balancers)) {
    for (const p of lb.private_net) if (p.network === networkId) used.add(ipToInt(p.ip) ?? -1);
  }
  return used;
}

/**
 * Picks (or checks) a private address for a server or load balancer in `zone`: the lowest free
 * host of the first cloud subnet of that zone, never the gateway or 172.31.1.1.
 */
export function allocatePrivateIp(
  world: World,
  network: NetworkRec,
  zone: string,
  wanted?: { ip?: string; ipRange?: string },
): string {
  const gateway = ipToInt(networkGateway(network)) as number;
  const subnets = network.subnets
    .filter((s) => s.type !== 'vswitch' && s.network_zone === zone)
    .filter((s) => wanted?.ipRange === undefined || s.ip_range === wanted.ipRange)
    .map((s) => parseCidr(s.ip_range) as Cidr);
  if (subnets.length === 0) {
    throw unprocessable('no_subnet_available', `no subnet available in network zone ${zone}`);
  }
  const used = usedIps(world, network.id);
  const usable = (cidr: Cidr, ip: number) =>
    ip > cidr.base &&
    ip < cidr.base + cidrSize(cidr) - 1 &&
    ip !== gateway &&
    ip !== RESERVED &&
    !used.has(ip);
  if (wanted?.ip !== undefined) {
    const ip = ipToInt(wanted.ip);
    if (ip === null) throw invalidField('ip', 'invalid IP address');
    const subnet = subnets.find((c) => cidrContainsIp(c, ip));
    if (!subnet || !usable(subnet, ip)) throw unprocessable('ip_not_available', 'IP is not available');
    return wanted.ip;
  }
  for (const cidr of subnets) {
    for (let ip = cidr.base + 1; ip < cidr.base + cidrSize(cidr) - 1; ip++) {
      if (usable(cidr, ip)) return intToIp(ip);
    }
  }
  throw unprocessable('ip_not_available', 'no IP address left in the subnet');
}

/**
 * Checks a server's new alias IPs in a network: valid addresses inside one of its cloud subnets,
 * not the gateway, and not used by anything else in the network (the server's own current aliases
 * may stay). Hetzner documents no codes here; these follow attach_to_network's.
 */
export function checkAliasIps(world: World, network: NetworkRec, serverId: number, aliases: string[]): void {
  const gateway = ipToInt(networkGateway(network)) as number;
  const used = new Set<number>();
  for (const s of Object.values(world.servers)) {
    for (const p of s.private_net) {
      if (p.network !== network.id) continue;
      used.add(ipToInt(p.ip) ?? -1);
      if (s.id !== serverId) for (const alias of p.alias_ips) used.add(ipToInt(alias) ?? -1);
    }
  }
  for (const lb of Object.values(world.load_balancers)) {
    for (const p of lb.private_net) if (p.network === network.id) used.add(ipToInt(p.ip) ?? -1);
  }
  const subnets = network.subnets
    .filter((s) => s.type !== 'vswitch')
    .map((s) => parseCidr(s.ip_range) as Cidr);
  for (const alias of aliases) {
    const ip = ipToInt(alias);
    if (ip === null) throw invalidField('alias_ips', `invalid alias IP '${alias}'`);
    const subnet = subnets.find((c) => cidrContainsIp(c, ip));
    if (!subnet || ip === subnet.base || ip === subnet.base + cidrSize(subnet) - 1 || ip === gateway) {
      throw invalidField(
        'alias_ips',
        `alias IP '${alias}' is not a usable address of a subnet of the network`,
      );
    }
    if (used.has(ip)) throw unprocessable('ip_not_available', `IP ${alias} is not available`);
  }
}

function parseNetworkRange(text: string, field: string): Cidr {
  const cidr = parseCidr(text);
  if (!cidr) throw invalidField(field, 'invalid CIDR network');
  if (!isPrivateRange(cidr))
    throw invalidField(field, 'ip_range must be within 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16');
  if (cidr.prefix > 24) throw invalidField(field, 'ip_range must be at least a /24');
  return cidr;
}

interface SubnetInput {
  type: SubnetRec['type'];
  ip_range?: string;
  network_zone: string;
  vswitch_id?: number;
}

function firstFreeSlash24(range: Cidr, taken: Cidr[]): string | undefined {
  for (let base = range.base; base + 256 <= range.base + cidrSize(range); base += 256) {
    const candidate = { base, prefix: 24 };
    if (!taken.some((t) => cidrsOverlap(t, candidate))) return formatCidr(candidate);
  }
  return undefined;
}

function buildSubnet(network: { ip_range: string; subnets: SubnetRec[] }, input: SubnetInput): SubnetRec {
  const range = parseCidr(network.ip_range) as Cidr;
  if (!ZONES.has(input.network_zone))
    throw invalidField('network_zone', `unknown network zone '${input.network_zone}'`);
  if (input.type === 'vswitch' && input.vswitch_id === undefined) {
    throw invalidField('vswitch_id', 'vswitch_id is required for subnets of type vswitch');
  }
  const taken = network.subnets.map((s) => parseCidr(s.ip_range) as Cidr);
  const text = input.ip_range ?? firstFreeSlash24(range, taken);
  if (text === undefined) throw unprocessable('ip_not_available', 'no free /24 left in the network');
  const cidr = parseCidr(text);
  if (!cidr) throw invalidField('ip_range', 'invalid CIDR subnet');
  if (cidr.prefix > 30) throw invalidField('ip_range', 'subnet must be at least a /30');
  if (!cidrContains(range, cidr))
    throw invalidField('ip_range', 'subnet must be inside the network ip_range');
  if (taken.some((t) => cidrsOverlap(t, cidr)))
    throw invalidField('ip_range', 'subnet overlaps an existing subnet');
  return {
    type: input.type,
    ip_range: formatCidr(cidr),
    network_zone: input.network_zone,
    vswitch_id: input.vswitch_id ?? null,
  };
}

function buildRoute(network: { ip_range: string; routes: RouteRec[] }, input: RouteRec): RouteRec {
  const range = parseCidr(network.ip_range) as Cidr;
  const destination = parseCidr(input.destination);
  if (!destination) throw invalidField('destination', 'invalid CIDR destination');
  const gateway = ipToInt(input.gateway);
  if (gateway === null || !cidrContainsIp(range, gateway)) {
    throw invalidField('gateway', 'gateway must be an address inside the network ip_range');
  }
  if (gateway === range.base + 1 || gateway === RESERVED)
    throw invalidField('gateway', 'gateway address is reserved');
  if (network.routes.some((r) => r.destination === formatCidr(destination))) {
    throw invalidField('destination', 'a route to this destination already exists');
  }
  return { destination: formatCidr(destination), gateway: input.gateway };
}

const networks = resourceKind('networks', 'network', 'Network', renderNetwork);

/** Network changes race with `conflict` (409) on Hetzner rather than `locked`. */
function assertNetworkFree(world: World, id: number): void {
  if (isLocked(world, ref('network', id))) {
    throw new ApiError(409, 'conflict', 'the resource has changed during the request, please retry');
  }
}

interface CreateNetworkBody {
  name: string;
  ip_range: string;
  labels?: Record<string, string>;
  subnets?: SubnetInput[];
  routes?: RouteRec[];
  expose_routes_to_vswitch?: boolean;
}

const create: Handler = ({ ctx, body }) => {
  const input = body as CreateNetworkBody;
  const { world } = ctx;
  assertNameFree(world.networks, input.name);
  const labels = validateLabels(input.labels);
  const range = parseNetworkRange(input.ip_range, 'ip_range');
  const draft = { ip_range: formatCidr(range), subnets: [] as SubnetRec[], routes: [] as RouteRec[] };
  for (const s of input.subnets ?? []) draft.subnets.push(buildSubnet(draft, s));
  for (const r of input.routes ?? []) draft.routes.push(buildRoute(draft, r));
  const network: NetworkRec = {
    id: nextId(world, 'network'),
    name: input.name,
    labels,
    created: isoTime(ctx.now),
    ...draft,
    expose_routes_to_vswitch: input.expose_routes_to_vswitch ?? false,
    delete_protected: false,
  };
  world.networks[network.id] = network;
  return ok({ network: renderNetwork(world, network) }, 201);
};

const list = listHandler(networks, { sort: standardSort() });

const get = getHandler(networks);

const update = updateHandler<NetworkRec, { expose_routes_to_vswitch: boolean }>(networks, (n, input) => {
  if (input.expose_routes_to_vswitch !== undefined)
    n.expose_routes_to_vswitch = input.expose_routes_to_vswitch;
});

const remove = removeHandler(networks, (world, n) => {
  assertNotProtected(n.delete_protected, 'network');
  assertNetworkFree(world, n.id);
  // Hetzner detaches servers and load balancers automatically.
  for (const s of Object.values(world.servers))
    s.private_net = s.private_net.filter((p) => p.network !== n.id);
  for (const lb of Object.values(world.load_balancers)) {
    lb.private_net = lb.private_net.filter((p) => p.network !== n.id);
  }
});

function networkAction(req: HandlerRequest, command: string, change: (n: NetworkRec) => void) {
  const { ctx } = req;
  const n = findTarget(req, networks);
  assertNetworkFree(ctx.world, n.id);
  change(n);
  const action = startAction(ctx, {
    command,
    durationMs: DURATIONS.network,
    resources: [ref('network', n.id)],
  });
  return ok({ action: actionBody(action, ctx.now) }, 201);
}

const addSubnet: Handler = (req) =>
  networkAction(req, 'add_subnet', (n) => {
    n.subnets.push(buildSubnet(n, req.body as SubnetInput));
  });

const deleteSubnet: Handler = (req) =>
  networkAction(req, 'delete_subnet', (n) => {
    const wanted = (req.body as { ip_range: string }).ip_range;
    const subnet = n.subnets.find((s) => s.ip_range === wanted);
    if (!subnet) throw notFound('Subnet');
    const cidr = parseCidr(subnet.ip_range) as Cidr;
    if ([...usedIps(req.ctx.world, n.id)].some((ip) => cidrContainsIp(cidr, ip))) {
      throw unprocessable('resource_in_use', 'subnet still has attached resources');
    }
    n.subnets = n.subnets.filter((s) => s !== subnet);
  });

const addRoute: Handler = (req) =>
  networkAction(req, 'add_route', (n) => {
    n.routes.push(buildRoute(n, req.body as RouteRec));
  });

const deleteRoute: Handler = (req) =>
  networkAction(req, 'delete_route', (n) => {
    const wanted = req.body as RouteRec;
    const index = n.routes.findIndex(
      (r) => r.destination === wanted.destination && r.gateway === wanted.gateway,
    );
    if (index < 0) throw notFound('Route');
    n.routes.splice(index, 1);
  });

const changeIpRange: Handler = (req) =>
  networkAction(req, 'change_ip_range', (n) => {
    const next = parseNetworkRange((req.body as { ip_range: string }).ip_range, 'ip_range');
    if (!cidrContains(next, parseCidr(n.ip_range) as Cidr)) {
      throw invalidField('ip_range', 'the new ip_range must contain the current one');
    }
    n.ip_range = formatCidr(next);
  });

const changeProtection: Handler = (req) =>
  networkAction(req, 'change_protection', (n) => {
    const input = req.body as { delete?: boolean };
    if (input.delete !== undefined) n.delete_protected = input.delete;
  });

export const networkHandlers: Record<string, Handler> = {
  list_networks: list,
  create_network: create,
  get_network: get,
  replace_network: update,
  delete_network: remove,
  add_subnet_to_network: addSubnet,
  delete_subnet_from_network: deleteSubnet,
  add_route_to_network: addRoute,
  delete_route_from_network: deleteRoute,
  change_ip_range_of_network: changeIpRange,
  change_network_protection: changeProtection,
};

/** Load balancers: create, list, get, update, delete, and every /actions/* of theirs. */
import { DURATIONS, assertUnlocked, ref, startAction } from '../actions.js';
import { invalidField, notFound, unprocessable } from '../api-error.js';
import { LOCATIONS, findLoadBalancerType, findLocation } from '../catalog.js';
import type { Handler, HandlerRequest } from '../context.js';
import { validateLabels } from '../labels.js';
import type { LoadBalancerRec } from '../types.js';
import { allocateIpv6Network, allocateLbIpv4, ipv6FirstAddress, isoTime, nextId } from '../world.js';
import { actionBody, assertNameFree, assertNotProtected, ok, standardSort } from './common.js';
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
import {
  assertPortFree,
  assertWithinType,
  buildService,
  buildTarget,
  findTargetIndex,
  renderLoadBalancer,
  type ServiceInput,
  type TargetInput,
} from './load-balancer-model.js';
import { allocatePrivateIp } from './networks.js';

interface CreateBody {
  name: string;
  load_balancer_type: string;
  location?: string;
  network_zone?: string;
  algorithm?: { type: LoadBalancerRec['algorithm'] };
  network?: number;
  public_interface?: boolean;
  services?: ServiceInput[];
  targets?: TargetInput[];
  labels?: Record<string, string>;
}

const loadBalancers = resourceKind('load_balancers', 'load_balancer', 'Load Balancer', renderLoadBalancer);

function resolveLocation(input: CreateBody): string {
  if (input.location !== undefined && input.network_zone !== undefined) {
    throw invalidField('location', 'location and network_zone are mutually exclusive');
  }
  if (input.location !== undefined) {
    const l = findLocation(input.location);
    if (!l) throw invalidField('location', `location '${input.location}' not found`);
    return l.name;
  }
  if (input.network_zone !== undefined) {
    const l = LOCATIONS.find((x) => x.network_zone === input.network_zone);
    if (!l) throw invalidField('network_zone', `network zone '${input.network_zone}' not found`);
    return l.name;
  }
  throw invalidField('location', 'either location or network_zone is required');
}

const create: Handler = ({ ctx, body }) => {
  const { world } = ctx;
  const input = body as CreateBody;
  assertNameFree(world.load_balancers, input.name);
  const labels = validateLabels(input.labels);
  const type = findLoadBalancerType(input.load_balancer_type);
  if (!type)
    throw invalidField('load_balancer_type', `load balancer type '${input.load_balancer_type}' not found`);
  const location = resolveLocation(input);
  const zone = findLocation(location)?.network_zone ?? 'eu-central';
  const draft: Pick<LoadBalancerRec, 'services' | 'targets' | 'private_net'> = {
    services: [],
    targets: [],
    private_net: [],
  };
  if (input.network !== undefined) {
    const network = world.networks[input.network];
    if (!network) throw invalidField('network', `network ${input.network} not found`);
    draft.private_net.push({ network: network.id, ip: allocatePrivateIp(world, network, zone) });
  }
  const publicEnabled = input.public_interface ?? true;
  if (!publicEnabled && draft.private_net.length === 0) {
    throw invalidField('public_interface', 'a load balancer without public interface needs a network');
  }
  for (const s of input.services ?? []) {
    const service = buildService(world, s);
    assertPortFree(draft, service.listen_port);
    draft.services.push(service);
  }
  for (const t of input.targets ?? []) draft.targets.push(buildTarget(world, draft, t));
  assertWithinType(draft, type.id);
  const ipv6 = allocateIpv6Network(world);
  const lb: LoadBalancerRec = {
    id: nextId(world, 'load_balancer'),
    name: input.name,
    labels,
    created: isoTime(ctx.now),
    load_balancer_type: type.id,
    location,
    algorithm: input.algorithm?.type ?? 'round_robin',
    public_enabled: publicEnabled,
    ipv4: allocateLbIpv4(world),
    ipv6: ipv6FirstAddress(ipv6),
    dns_ptr: [],
    ...draft,
    delete_protected: false,
  };
  world.load_balancers[lb.id] = lb;
  const action = startAction(ctx, {
    command: 'create_load_balancer',
    durationMs: DURATIONS.loadBalancer,
    resources: [ref('load_balancer', lb.id)],
  });
  return ok({ load_balancer: renderLoadBalancer(world, lb), action: actionBody(action, ctx.now) }, 201);
};

const list = listHandler(loadBalancers, { sort: standardSort() });

const get = getHandler(loadBalancers);

const update = updateHandler(loadBalancers);

const remove = removeHandler(loadBalancers, (world, lb) => {
  assertNotProtected(lb.delete_protected, 'load balancer');
  assertUnlocked(world, ref('load_balancer', lb.id));
});

function lbAction(
  req: HandlerRequest,
  command: string,
  change: ItemActionSpec<LoadBalancerRec>['change'],
  durationMs: number = DURATIONS.instant,
) {
  return itemAction(req, loadBalancers, { command, durationMs, change });
}

const addService: Handler = (req) =>
  lbAction(req, 'add_service', (lb) => {
    const service = buildService(req.ctx.world, req.body as ServiceInput);
    assertPortFree(lb, service.listen_port);
    assertWithinType({ services: [...lb.services, service], targets: lb.targets }, lb.load_balancer_type);
    lb.services.push(service);
  });

const updateService: Handler = (req) =>
  lbAction(req, 'update_service', (lb) => {
    const input = req.body as ServiceInput & { listen_port: number };
    const index = lb.services.findIndex((s) => s.listen_port === input.listen_port);
    const current = lb.services[index];
    if (!current) throw notFound('Service on listen port', input.listen_port);
    lb.services[index] = buildService(req.ctx.world, input, current);
  });

const deleteService: Handler = (req) =>
  lbAction(req, 'delete_service', (lb) => {
    const port = (req.body as { listen_port: number }).listen_port;
    if (!lb.services.some((s) => s.listen_port === port)) throw notFound('Service on listen port', port);
    lb.services = lb.services.filter((s) => s.listen_port !== port);
  });

const addTarget: Handler = (req) =>
  lbAction(req, 'add_target', (lb) => {
    const target = buildTarget(req.ctx.world, lb, req.body as TargetInput);
    assertWithinType({ services: lb.services, targets: [...lb.targets, target] }, lb.load_balancer_type);
    lb.targets.push(target);
    return target.type === 'server'
      ? [ref('load_balancer', lb.id), ref('server', target.server)]
      : [ref('load_balancer', lb.id)];
  });

const removeTarget: Handler = (req) =>
  lbAction(req, 'remove_target', (lb) => {
    const index = findTargetIndex(lb, req.body as TargetInput);
    if (index < 0) throw notFound('Target');
    lb.targets.splice(index, 1);
  });

const attachToNetwork: Handler = (req) =>
  lbAction(
    req,
    'attach_to_network',
    (lb) => {
      const input = req.body as { network: number; ip?: string; ip_range?: string };
      const network = req.ctx.world.networks[input.network];
      if (!network) throw notFound('Network', input.network);
      if (lb.private_net.length > 0) {
        throw unprocessable(
          'load_balancer_already_attached',
          'load balancer is already attached to a network',
        );
      }
      const zone = findLocation(lb.location)?.network_zone ?? 'eu-central';
      const ip = allocatePrivateIp(req.ctx.world, network, zone, { ip: input.ip, ipRange: input.ip_range });
      lb.private_net.push({ network: network.id, ip });
      return [ref('load_balancer', lb.id), ref('network', network.id)];
    },
    DURATIONS.network,
  );

const detachFromNetwork: Handler = (req) =>
  lbAction(
    req,
    'detach_from_network',
    (lb) => {
      const networkId = (req.body as { network: number }).network;
      if (!lb.private_net.some((p) => p.network === networkId)) {
        throw unprocessable(
          'load_balancer_not_attached_to_network',
          'load balancer is not attached to this network',
        );
      }
      if (!lb.public_enabled) {
        throw unprocessable(
          'load_balancer_public_interface_disabled',
          'enable the public interface before detaching',
        );
      }
      if (lb.targets.some((t) => t.type !== 'ip' && t.use_private_ip)) {
        throw unprocessable('targets_without_use_private_ip', 'targets still use the private network');
      }
      lb.private_net = lb.private_net.filter((p) => p.network !== networkId);
      return [ref('load_balancer', lb.id), ref('network', networkId)];
    },
    DURATIONS.network,
  );

const changeType: Handler = (req) =>
  lbAction(
    req,
    'change_load_balancer_type',
    (lb) => {
      const name = (req.body as { load_balancer_type: string }).load_balancer_type;
      const type = findLoadBalancerType(name);
      if (!type) throw unprocessable('invalid_load_balancer_type', `load balancer type '${name}' not found`);
      assertWithinType(lb, type.id);
      lb.load_balancer_type = type.id;
    },
    DURATIONS.loadBalancer,
  );

const changeAlgorithm: Handler = (req) =>
  lbAction(req, 'change_algorithm', (lb) => {
    lb.algorithm = (req.body as { type: LoadBalancerRec['algorithm'] }).type;
  });

const changeProtection = protectionHandler(loadBalancers, DURATIONS.instant);

const changeDnsPtr: Handler = (req) =>
  lbAction(req, 'change_dns_ptr', (lb) => {
    const input = req.body as { ip: string; dns_ptr: string | null };
    if (input.ip !== lb.ipv4 && input.ip !== lb.ipv6)
      throw invalidField('ip', 'the IP does not belong to this load balancer');
    lb.dns_ptr = lb.dns_ptr.filter((d) => d.ip !== input.ip);
    if (input.dns_ptr !== null) lb.dns_ptr.push({ ip: input.ip, dns_ptr: input.dns_ptr });
  });

const enablePublic: Handler = (req) =>
  lbAction(req, 'enable_public_interface', (lb) => {
    lb.public_enabled = true;
  });

const disablePublic: Handler = (req) =>
  lbAction(req, 'disable_public_interface', (lb) => {
    if (lb.private_net.length === 0) {
      throw unprocessable(
        'load_balancer_not_attached_to_network',
        'attach the load balancer to a network first',
      );
    }
    lb.public_enabled = false;
  });

export const loadBalancerHandlers: Record<string, Handler> = {
  list_load_balancers: list,
  create_load_balancer: create,
  get_load_balancer: get,
  replace_load_balancer: update,
  delete_load_balancer: remove,
  add_service: addService,
  update_service: updateService,
  delete_service: deleteService,
  add_target: addTarget,
  remove_target: removeTarget,
  attach_load_balancer_to_network: attachToNetwork,
  detach_load_balancer_from_network: detachFromNetwork,
  change_type_of_load_balancer: changeType,
  change_algorithm: changeAlgorithm,
  change_load_balancer_protection: changeProtection,
  change_reverse_dns_entry_for_this_load_balancer: changeDnsPtr,
  enable_public_interface_of_load_balancer: enablePublic,
  disable_public_interface_of_load_balancer: disablePublic,
};

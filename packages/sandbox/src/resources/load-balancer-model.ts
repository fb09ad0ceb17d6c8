/** Load balancer rendering and the validation of services and targets, shared by create and actions. */
import { ApiError, invalidField, notFound, unprocessable } from '../api-error.js';
import { findLoadBalancerType, findLocation } from '../catalog.js';
import { parseSelector, selectorMatches } from '../labels.js';
import type { LbServiceRec, LbTargetRec, LoadBalancerRec, ServerRec, World } from '../types.js';
import { renderLoadBalancerType, renderLocation } from './common.js';
import { isCloudLoopbackIp } from '../world.js';

export interface ServiceInput {
  protocol?: LbServiceRec['protocol'];
  listen_port?: number;
  destination_port?: number;
  proxyprotocol?: boolean;
  health_check?: Partial<Omit<LbServiceRec['health_check'], 'http'>> & {
    http?: Partial<NonNullable<LbServiceRec['health_check']['http']>>;
  };
  http?: Partial<NonNullable<LbServiceRec['http']>>;
}

export interface TargetInput {
  type: 'server' | 'label_selector' | 'ip';
  server?: { id: number };
  label_selector?: { selector: string };
  ip?: { ip: string };
  use_private_ip?: boolean;
}

function healthCheck(
  input: ServiceInput['health_check'],
  protocol: string,
  port: number,
): LbServiceRec['health_check'] {
  const hcProtocol = input?.protocol ?? (protocol === 'tcp' ? 'tcp' : 'http');
  const check: LbServiceRec['health_check'] = {
    protocol: hcProtocol,
    port: input?.port ?? port,
    interval: input?.interval ?? 15,
    timeout: input?.timeout ?? 10,
    retries: input?.retries ?? 3,
  };
  if (hcProtocol === 'http') {
    check.http = {
      domain: input?.http?.domain ?? null,
      path: input?.http?.path ?? '/',
      ...(input?.http?.response === undefined ? {} : { response: input.http.response }),
      status_codes: input?.http?.status_codes ?? ['2??', '3??'],
      tls: input?.http?.tls ?? false,
    };
  }
  return check;
}

/** Builds a full service from an add/update request, on top of `base` when updating. */
export function buildService(world: World, input: ServiceInput, base?: LbServiceRec): LbServiceRec {
  const protocol = input.protocol ?? base?.protocol;
  const listenPort = input.listen_port ?? base?.listen_port;
  if (protocol === undefined) throw invalidField('protocol', 'protocol is required');
  const defaultPort = protocol === 'https' ? 443 : 80;
  const listen = listenPort ?? defaultPort;
  const destination = input.destination_port ?? base?.destination_port ?? listen;
  for (const [name, port] of [
    ['listen_port', listen],
    ['destination_port', destination],
  ] as const) {
    if (port < 1 || port > 65535) throw invalidField(name, 'port must be between 1 and 65535');
  }
  const service: LbServiceRec = {
    protocol,
    listen_port: listen,
    destination_port: destination,
    proxyprotocol: input.proxyprotocol ?? base?.proxyprotocol ?? false,
    health_check: healthCheck({ ...base?.health_check, ...input.health_check }, protocol, destination),
  };
  if (protocol !== 'tcp') {
    const http = { ...base?.http, ...input.http };
    const certificates = http.certificates ?? [];
    for (const id of certificates)
      if (!world.certificates[id]) throw invalidField('http.certificates', `certificate ${id} not found`);
    if (protocol === 'https' && certificates.length === 0) {
      throw invalidField('http.certificates', 'https services need at least one certificate');
    }
    service.http = {
      certificates,
      redirect_http: http.redirect_http ?? false,
      sticky_sessions: http.sticky_sessions ?? false,
      cookie_name: http.cookie_name ?? 'HCLBSTICKY',
      cookie_lifetime: http.cookie_lifetime ?? 300,
    };
  }
  return service;
}

export function assertPortFree(lb: { services: LbServiceRec[] }, port: number): void {
  if (lb.services.some((s) => s.listen_port === port)) {
    throw unprocessable('source_port_already_used', `listen port ${port} is already used by another service`);
  }
}

function sameTarget(a: LbTargetRec, b: LbTargetRec): boolean {
  if (a.type === 'server' && b.type === 'server') return a.server === b.server;
  if (a.type === 'label_selector' && b.type === 'label_selector') return a.selector === b.selector;
  if (a.type === 'ip' && b.type === 'ip') return a.ip === b.ip;
  return false;
}

/** Validates one target against the (draft) load balancer and returns its record. */
export function buildTarget(
  world: World,
  lb: { targets: LbTargetRec[]; private_net: { network: number }[] },
  input: TargetInput,
): LbTargetRec {
  const usePrivate = input.use_private_ip ?? false;
  let target: LbTargetRec;
  if (input.type === 'server') {
    const id = input.server?.id;
    if (id === undefined) throw invalidField('server', 'server is required for server targets');
    const server = world.servers[id];
    if (!server) throw notFound('Server', id);
    if (usePrivate) assertPrivateReachable(lb, server);
    target = { type: 'server', server: id, use_private_ip: usePrivate };
  } else if (input.type === 'label_selector') {
    const selector = input.label_selector?.selector;
    if (selector === undefined) throw invalidField('label_selector', 'label_selector is required');
    parseSelector(selector, 'label_selector.selector');
    if (usePrivate && lb.private_net.length === 0) {
      throw unprocessable(
        'load_balancer_not_attached_to_network',
        'load balancer is not attached to a network',
      );
    }
    target = { type: 'label_selector', selector, use_private_ip: usePrivate };
  } else {
    const ip = input.ip?.ip;
    if (ip === undefined) throw invalidField('ip', 'ip is required for ip targets');
    if (isCloudLoopbackIp(world, ip)) {
      throw unprocessable('cloud_resource_ip_not_allowed', 'IPs of cloud resources cannot be ip targets');
    }
    target = { type: 'ip', ip };
  }
  if (lb.targets.some((t) => sameTarget(t, target))) {
    throw unprocessable('target_already_defined', 'the target is already defined');
  }
  return target;
}

function assertPrivateReachable(lb: { private_net: { network: number }[] }, server: ServerRec): void {
  if (lb.private_net.length === 0) {
    throw unprocessable(
      'load_balancer_not_attached_to_network',
      'load balancer is not attached to a network',
    );
  }
  const shared = lb.private_net.some((p) => server.private_net.some((s) => s.network === p.network));
  if (!shared)
    throw unprocessable(
      'server_not_attached_to_network',
      'server is not attached to the load balancer network',
    );
}

export function findTargetIndex(lb: LoadBalancerRec, input: TargetInput): number {
  return lb.targets.findIndex((t) =>
    input.type === 'server'
      ? t.type === 'server' && t.server === input.server?.id
      : input.type === 'label_selector'
        ? t.type === 'label_selector' && t.selector === input.label_selector?.selector
        : t.type === 'ip' && t.ip === input.ip?.ip,
  );
}

export function assertWithinType(lb: { services: unknown[]; targets: unknown[] }, typeId: number): void {
  const type = findLoadBalancerType(typeId);
  if (!type) throw new ApiError(422, 'invalid_load_balancer_type', 'load balancer type not found');
  if (lb.services.length > type.max_services) {
    throw new ApiError(403, 'resource_limit_exceeded', `at most ${type.max_services} services`, {
      limits: [{ name: 'services' }],
    });
  }
  if (lb.targets.length > type.max_targets) {
    throw new ApiError(403, 'resource_limit_exceeded', `at most ${type.max_targets} targets`, {
      limits: [{ name: 'targets' }],
    });
  }
}

function health(world: World, serverId: number, lb: LoadBalancerRec) {
  const up = world.servers[serverId]?.status === 'running';
  return lb.services.map((s) => ({ listen_port: s.listen_port, status: up ? 'healthy' : 'unhealthy' }));
}

function renderTarget(world: World, lb: LoadBalancerRec, t: LbTargetRec): Record<string, unknown> {
  switch (t.type) {
    case 'server':
      return {
        type: 'server',
        server: { id: t.server },
        use_private_ip: t.use_private_ip,
        health_status: health(world, t.server, lb),
      };
    case 'label_selector':
      return {
        type: 'label_selector',
        label_selector: { selector: t.selector },
        use_private_ip: t.use_private_ip,
        targets: Object.values(world.servers)
          .filter((s) => selectorMatches(s.labels, t.selector))
          .map((s) => ({
            type: 'server',
            server: { id: s.id },
            use_private_ip: t.use_private_ip,
            health_status: health(world, s.id, lb),
          })),
      };
    case 'ip':
      return {
        type: 'ip',
        ip: { ip: t.ip },
        health_status: lb.services.map((s) => ({ listen_port: s.listen_port, status: 'unknown' })),
      };
  }
}

export function renderLoadBalancer(world: World, lb: LoadBalancerRec): Record<string, unknown> {
  const type = findLoadBalancerType(lb.load_balancer_type);
  const location = findLocation(lb.location);
  const ptr = (ip: string) => lb.dns_ptr.find((d) => d.ip === ip)?.dns_ptr ?? null;
  return {
    id: lb.id,
    name: lb.name,
    labels: lb.labels,
    created: lb.created,
    load_balancer_type: type ? renderLoadBalancerType(type) : null,
    location: location ? renderLocation(location) : null,
    algorithm: { type: lb.algorithm },
    public_net: {
      enabled: lb.public_enabled,
      ipv4: { ip: lb.ipv4, dns_ptr: ptr(lb.ipv4) },
      ipv6: { ip: lb.ipv6, dns_ptr: ptr(lb.ipv6) },
    },
    private_net: lb.private_net,
    services: lb.services,
    targets: lb.targets.map((t) => renderTarget(world, lb, t)),
    protection: { delete: lb.delete_protected },
    outgoing_traffic: 0,
    ingoing_traffic: 0,
    included_traffic: 21990232555520,
  };
}

/**
 * Extension points for later simulators (a Talos node per server on its public IPv4, port 50000).
 * Hooks run after the change is on disk; an exception in a hook is logged, never answered.
 */
import { findServerType } from './catalog.js';
import { selectorMatches } from './labels.js';
import { talosOnDisk } from './disk.js';
import type { ServerRec, TalosDisk, World } from './types.js';
import { ipv6FirstAddress } from './world.js';

export interface SimServerInfo {
  id: number;
  name: string;
  labels: Record<string, string>;
  status: ServerRec['status'];
  location: string;
  serverType: string;
  architecture: 'x86' | 'arm';
  /** Public IPv4 in 127.0.0.0/8, or null when the server has none. */
  publicIpv4: string | null;
  /** First address of the server's /64, or null. */
  publicIpv6: string | null;
  privateIps: { network: number; ip: string }[];
  image: {
    id: number;
    type: string;
    name: string | null;
    description: string;
    labels: Record<string, string>;
  } | null;
  userData: string | null;
  /**
   * The Talos image on the server's disk (disk.ts), null when there is none. Undefined only from
   * callers that build this info themselves: the image's `os=talos` labels decide then.
   */
  talos?: TalosDisk | null;
  /** The server runs its rescue system instead of its disk. */
  rescue?: boolean;
}

export type PowerEvent = 'on' | 'off' | 'reboot' | 'reset';

/** A load balancer as the simulated Kubernetes API sees it: where it listens and whom it forwards to. */
export interface SimLoadBalancerInfo {
  id: number;
  name: string;
  /** Public IPv4 (loopback), or null when the public interface is disabled. */
  publicIpv4: string | null;
  services: { protocol: 'tcp' | 'http' | 'https'; listenPort: number; destinationPort: number }[];
  /** Servers among its targets (server targets and label-selector matches). */
  targetServerIds: number[];
}

/** A floating IP as the simulated Kubernetes API sees it: its address and the server it is routed to. */
export interface SimFloatingIpInfo {
  id: number;
  ip: string;
  type: 'ipv4' | 'ipv6';
  /** The server it is assigned to, or null. */
  serverId: number | null;
}

export interface SandboxHooks {
  /** A server was created, or (with `restored`) already existed when the sandbox started. */
  onServerCreated?(server: SimServerInfo, restored: boolean): void | Promise<void>;
  onServerDeleted?(server: SimServerInfo): void | Promise<void>;
  /** The power state changed: the action that caused it has finished. */
  onServerPower?(server: SimServerInfo, event: PowerEvent): void | Promise<void>;
  /** The set of load balancers (addresses, services or targets) changed; called with all of them. */
  onLoadBalancers?(loadBalancers: SimLoadBalancerInfo[]): void | Promise<void>;
  /** The floating IPs (or their assignments) changed; called with all of them. */
  onFloatingIps?(floatingIps: SimFloatingIpInfo[]): void | Promise<void>;
}

export type HookEvent =
  | { kind: 'created'; server: SimServerInfo; restored: boolean }
  | { kind: 'deleted'; server: SimServerInfo }
  | { kind: 'power'; server: SimServerInfo; event: PowerEvent }
  | { kind: 'load-balancers'; loadBalancers: SimLoadBalancerInfo[] }
  | { kind: 'floating-ips'; floatingIps: SimFloatingIpInfo[] };

export function floatingIpInfo(world: World): SimFloatingIpInfo[] {
  return Object.values(world.floating_ips).map((f) => ({
    id: f.id,
    ip: f.ip,
    type: f.type,
    serverId: f.server,
  }));
}

export function loadBalancerInfo(world: World): SimLoadBalancerInfo[] {
  const servers = Object.values(world.servers);
  return Object.values(world.load_balancers).map((lb) => {
    const ids = new Set<number>();
    for (const target of lb.targets) {
      if (target.type === 'server') ids.add(target.server);
      if (target.type === 'label_selector') {
        for (const s of servers) if (selectorMatches(s.labels, target.selector)) ids.add(s.id);
      }
    }
    return {
      id: lb.id,
      name: lb.name,
      publicIpv4: lb.public_enabled ? lb.ipv4 : null,
      services: lb.services.map((s) => ({
        protocol: s.protocol,
        listenPort: s.listen_port,
        destinationPort: s.destination_port,
      })),
      targetServerIds: [...ids].sort((a, b) => a - b),
    };
  });
}

export function serverInfo(world: World, server: ServerRec): SimServerInfo {
  const type = findServerType(server.server_type);
  const ipv4 = server.ipv4 === null ? undefined : world.primary_ips[server.ipv4];
  const ipv6 = server.ipv6 === null ? undefined : world.primary_ips[server.ipv6];
  const image = server.image === null ? undefined : world.images[server.image];
  return {
    id: server.id,
    name: server.name,
    labels: { ...server.labels },
    status: server.status,
    location: server.location,
    serverType: type?.name ?? String(server.server_type),
    architecture: type?.architecture ?? 'x86',
    publicIpv4: ipv4?.ip ?? null,
    publicIpv6: ipv6 ? ipv6FirstAddress(ipv6.ip) : null,
    privateIps: server.private_net.map((p) => ({ network: p.network, ip: p.ip })),
    image: image
      ? {
          id: image.id,
          type: image.type,
          name: image.name,
          description: image.description,
          labels: { ...image.labels },
        }
      : null,
    userData: server.user_data,
    talos: talosOnDisk(world, server),
    rescue: server.rescue?.active === true,
  };
}

export async function dispatchHooks(hooks: SandboxHooks | undefined, events: HookEvent[]): Promise<void> {
  if (!hooks) return;
  for (const event of events) {
    try {
      switch (event.kind) {
        case 'created':
          await hooks.onServerCreated?.(event.server, event.restored);
          break;
        case 'deleted':
          await hooks.onServerDeleted?.(event.server);
          break;
        case 'power':
          await hooks.onServerPower?.(event.server, event.event);
          break;
        case 'load-balancers':
          await hooks.onLoadBalancers?.(event.loadBalancers);
          break;
        case 'floating-ips':
          await hooks.onFloatingIps?.(event.floatingIps);
          break;
      }
    } catch (error) {
      const subject =
        event.kind === 'load-balancers'
          ? 'load balancers'
          : event.kind === 'floating-ips'
            ? 'floating IPs'
            : `server ${event.server.id}`;
      console.error(`sandbox: hook ${event.kind} for ${subject} failed:`, error);
    }
  }
}

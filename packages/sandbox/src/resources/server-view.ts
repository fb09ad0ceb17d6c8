/** Rendering a server the way GET /servers/{id} returns it, joins included. */
import { isLocked, ref } from '../actions.js';
import { LOCATIONS, SERVER_TYPES, findServerType } from '../catalog.js';
import { selectorMatches } from '../labels.js';
import type { DnsPtrRec, ServerRec, World } from '../types.js';
import { locationByName, renderDatacenter, renderImage, renderLocation, renderServerType } from './common.js';
import { renderPlacementGroup } from './placement-groups.js';

/** Hetzner's default reverse DNS name for an IPv4 address. */
export function defaultIpv4Ptr(ip: string): string {
  return `static.${ip.split('.').reverse().join('.')}.clients.your-server.de`;
}

export function dnsPtrFor(entries: DnsPtrRec[], ip: string): string | undefined {
  return entries.find((e) => e.ip === ip)?.dns_ptr;
}

/** Firewall ids applied to a server directly or through a label selector. */
export function serverFirewallIds(world: World, server: ServerRec): number[] {
  return Object.values(world.firewalls)
    .filter((fw) =>
      fw.apply_to.some((a) =>
        a.type === 'server' ? a.server === server.id : selectorMatches(server.labels, a.selector),
      ),
    )
    .map((fw) => fw.id);
}

export function serverLoadBalancerIds(world: World, server: ServerRec): number[] {
  return Object.values(world.load_balancers)
    .filter((lb) =>
      lb.targets.some((t) =>
        t.type === 'server'
          ? t.server === server.id
          : t.type === 'label_selector' && selectorMatches(server.labels, t.selector),
      ),
    )
    .map((lb) => lb.id);
}

export function datacenterFor(location: string): Record<string, unknown> {
  const l = locationByName(location);
  const ids = SERVER_TYPES.filter((t) => t.locations.includes(location)).map((t) => t.id);
  return renderDatacenter(l, ids);
}

export function renderServer(world: World, s: ServerRec): Record<string, unknown> {
  const type = findServerType(s.server_type);
  const location = LOCATIONS.find((l) => l.name === s.location);
  const ipv4 = s.ipv4 === null ? undefined : world.primary_ips[s.ipv4];
  const ipv6 = s.ipv6 === null ? undefined : world.primary_ips[s.ipv6];
  const image = s.image === null ? undefined : world.images[s.image];
  const group = s.placement_group === null ? undefined : world.placement_groups[s.placement_group];
  const firewallStatus = s.status === 'initializing' ? 'pending' : 'applied';
  return {
    id: s.id,
    name: s.name,
    labels: s.labels,
    created: s.created,
    status: s.status,
    server_type: type ? renderServerType(type) : null,
    image: image ? renderImage(image) : null,
    iso: null,
    location: location ? renderLocation(location) : null,
    datacenter: datacenterFor(s.location),
    public_net: {
      ipv4: ipv4
        ? {
            id: ipv4.id,
            ip: ipv4.ip,
            blocked: false,
            dns_ptr: dnsPtrFor(ipv4.dns_ptr, ipv4.ip) ?? defaultIpv4Ptr(ipv4.ip),
          }
        : null,
      ipv6: ipv6 ? { id: ipv6.id, ip: ipv6.ip, blocked: false, dns_ptr: ipv6.dns_ptr } : null,
      floating_ips: Object.values(world.floating_ips)
        .filter((f) => f.server === s.id)
        .map((f) => f.id),
      firewalls: serverFirewallIds(world, s).map((id) => ({ id, status: firewallStatus })),
    },
    private_net: s.private_net,
    placement_group: group ? renderPlacementGroup(world, group) : null,
    protection: { delete: s.delete_protected, rebuild: s.rebuild_protected },
    rescue_enabled: s.rescue_enabled,
    locked: isLocked(world, ref('server', s.id)),
    backup_window: s.backup_window,
    outgoing_traffic: 0,
    ingoing_traffic: 0,
    included_traffic: 21990232555520,
    primary_disk_size: s.primary_disk_size,
    load_balancers: serverLoadBalancerIds(world, s),
    volumes: Object.values(world.volumes)
      .filter((v) => v.server === s.id)
      .map((v) => v.id),
  };
}

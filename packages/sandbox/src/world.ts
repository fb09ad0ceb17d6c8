/** The world: creating an empty one, allocating ids and addresses (durable storage: store.ts). */
import { initialImages } from './catalog.js';
import { loopbackAddress } from './ip.js';
import type { IdSpace, World } from './types.js';

/** Large, increasing ids per kind, like the real project's. */
const ID_BASES: Record<IdSpace, number> = {
  server: 58_000_001,
  network: 10_400_001,
  firewall: 1_700_001,
  load_balancer: 2_300_001,
  placement_group: 480_001,
  primary_ip: 82_000_001,
  floating_ip: 9_100_001,
  volume: 101_000_001,
  image: 330_000_001,
  certificate: 1_200_001,
  ssh_key: 24_000_001,
  action: 1_960_000_001,
};

/**
 * Each world draws its own second octet, so that two sandboxes on one machine (parallel test files)
 * never hand out the same loopback addresses — their simulated Talos nodes listen on them.
 * Servers get 127.<o>.0.2 upwards, load balancers 127.<o>.160.2, floating IPs 127.<o>.220.2.
 */
export const DEFAULT_LOOPBACK_OCTET = 20;

function pool(world: World, third: number): string {
  return `127.${world.counters.loopbackOctet ?? DEFAULT_LOOPBACK_OCTET}.${third}.2`;
}

export function isCloudLoopbackIp(world: World, ip: string): boolean {
  return ip.startsWith(`127.${world.counters.loopbackOctet ?? DEFAULT_LOOPBACK_OCTET}.`);
}

/** A new world; `seedImages` adds the Talos snapshots (catalog.ts), else it has none, as a new project. */
export function createEmptyWorld(
  now: number,
  rateLimit: number,
  loopbackOctet?: number,
  seedImages = false,
): World {
  const images: World['images'] = {};
  for (const image of initialImages(seedImages)) images[image.id] = image;
  return {
    format: 1,
    createdAt: isoTime(now),
    counters: {
      ids: { ...ID_BASES },
      serverIpv4: 0,
      lbIpv4: 0,
      floatingIpv4: 0,
      ipv6: 1,
      mac: 1,
      loopbackOctet: loopbackOctet ?? 20 + Math.floor(Math.random() * 200),
    },
    rate: { tokens: rateLimit, updatedAt: now },
    servers: {},
    networks: {},
    firewalls: {},
    placement_groups: {},
    ssh_keys: {},
    primary_ips: {},
    floating_ips: {},
    volumes: {},
    images,
    certificates: {},
    load_balancers: {},
    actions: {},
  };
}

export function nextId(world: World, space: IdSpace): number {
  const id = world.counters.ids[space];
  world.counters.ids[space] = id + 1;
  return id;
}

export function allocateServerIpv4(world: World): string {
  return loopbackAddress(pool(world, 0), world.counters.serverIpv4++);
}

export function allocateLbIpv4(world: World): string {
  return loopbackAddress(pool(world, 160), world.counters.lbIpv4++);
}

export function allocateFloatingIpv4(world: World): string {
  return loopbackAddress(pool(world, 220), world.counters.floatingIpv4++);
}

/** A fresh /64 from the documentation prefix 2001:db8::/32. */
export function allocateIpv6Network(world: World): string {
  const n = world.counters.ipv6++;
  return `2001:db8:${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}::/64`;
}

/** The first address of a /64, as Hetzner configures it on the server. */
export function ipv6FirstAddress(network: string): string {
  return network.replace(/::\/64$/, '::1');
}

export function allocateMac(world: World): string {
  const n = world.counters.mac++;
  const bytes = [0x86, 0x00, 0x00, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** Hetzner's timestamp format: RFC 3339 with `+00:00`, whole seconds. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

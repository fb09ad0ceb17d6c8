/**
 * A server's desired shape and its normalized observation: one per node (`server.<pool>.<i>`), in
 * its pool's subnet and placement group, booted from the Talos image. Pure.
 */
import type { DesiredResource, JsonObject } from '../../../plan/types.js';
import type { Server } from '../../../providers/hcloud/index.js';
import { ipv4InCidr } from '../ipv4.js';
import { imageAddress, imageId, imageProps, poolArch } from '../image/model.js';
import type { AddressBook, ResourceRules } from '../../types.js';
import type { DesiredContext, InfraPool } from '../infra-spec.js';
import {
  addresses,
  LABEL_POOL,
  LABEL_ROLE,
  serverName,
  surgeIndex,
  type NodeRole,
  type ServerIndex,
} from '../names.js';
import { placementGroupFor } from '../placement-group.js';
import { desiredLabels, ref, refOrNull, stableLabels } from '../props.js';
import { fillRdns } from '../rdns.js';
import { subnetRanges } from '../subnet.js';

export const serverRules: ResourceRules = {
  immutable: ['/location', '/placement_group', '/public_ipv4', '/public_ipv6'],
  createOnly: ['/image', '/ssh_keys', '/user_data'],
  deleteRank: 0,
  drainBeforeDelete: true,
  powerCycle: ['/server_type'],
};

/** The subnet range a pool's servers get their private IP from. */
function subnetFor(ctx: DesiredContext, pool: InfraPool, role: NodeRole): string {
  if (role === 'control-plane') return ctx.layout.subnets.controlPlane;
  return ctx.layout.pinnedSubnets[pool.name] ?? ctx.layout.subnets.worker;
}

function serverRdns(ctx: DesiredContext, pool: InfraPool, role: NodeRole, address: string, name: string) {
  const { spec } = ctx;
  const seen = ctx.facts.servers[address];
  const result: JsonObject = {};
  for (const ipType of ['ipv4', 'ipv6'] as const) {
    const template = pool.rdns?.[ipType] ?? spec.cluster.rdns?.[ipType];
    if (!template) continue;
    result[ipType] = fillRdns(template, {
      clusterDomain: spec.cluster.domain,
      clusterName: spec.cluster.name,
      hostname: name,
      pool: pool.name,
      role,
      ipType,
      id: seen?.id,
      ip: ipType === 'ipv4' ? seen?.ipv4 : seen?.ipv6,
    });
  }
  return Object.keys(result).length > 0 ? result : undefined;
}

interface ServerSlot {
  index: ServerIndex;
  /** A surge server (surge.ts): temporary, in no placement group, never delete-protected. */
  surge: boolean;
}

function desiredServer(
  ctx: DesiredContext,
  pool: InfraPool,
  role: NodeRole,
  slot: ServerSlot,
): DesiredResource {
  const { spec } = ctx;
  const address = addresses.server(pool.name, slot.index);
  const name = serverName(spec.cluster.name, pool.name, slot.index);
  const subnet = subnetFor(ctx, pool, role);
  const group = typeof slot.index === 'number' ? placementGroupFor(pool, role, slot.index) : undefined;
  const protect = spec.cluster.deleteProtection && !slot.surge;
  const arch = poolArch(ctx, pool);
  // A server to be created waits for its architecture's image (which the plan builds if missing).
  const image = ctx.facts.servers[address] ? [] : [imageAddress(arch)];
  const props: JsonObject = {
    name,
    server_type: pool.type,
    location: pool.location,
    // The image's identity: the driver boots the snapshot labelled with it (built first when missing).
    image: { os: 'talos', ...imageProps(imageId(ctx, arch)) },
    ssh_keys: [ref(addresses.sshKey)],
    network: ref(addresses.network),
    subnet,
    public_ipv4: pool.publicIpv4 ?? spec.talos.publicIpv4,
    public_ipv6: pool.publicIpv6 ?? spec.talos.publicIpv6,
    labels: desiredLabels(ctx, address, { ...pool.labels, [LABEL_ROLE]: role, [LABEL_POOL]: pool.name }),
    protection: { delete: protect, rebuild: protect },
    // Every node runs: a server left off (a failed type change, a power-off by hand) is planned on.
    power: 'on',
  };
  if (group) props.placement_group = ref(group);
  const rdns = serverRdns(ctx, pool, role, address, name);
  if (rdns) props.rdns = rdns;
  return {
    address,
    type: 'server',
    dependsOn: [
      addresses.network,
      addresses.subnet(subnet),
      addresses.firewall,
      addresses.sshKey,
      ...(group ? [group] : []),
      ...image,
    ].sort(),
    props,
  };
}

function poolServers(ctx: DesiredContext, pool: InfraPool, role: NodeRole): DesiredResource[] {
  const slots: ServerSlot[] = Array.from({ length: pool.count }, (_, i) => ({ index: i + 1, surge: false }));
  // Surge servers get their private IP from the subnet like the others: Hetzner picks a free one.
  const surge = role === 'worker' && ctx.surge?.includes(pool.name) ? (pool.upgrade?.maxSurge ?? 0) : 0;
  for (let k = 1; k <= surge; k++) slots.push({ index: surgeIndex(k), surge: true });
  return slots.map((slot) => desiredServer(ctx, pool, role, slot));
}

export function desiredServers(ctx: DesiredContext): DesiredResource[] {
  return [
    ...ctx.spec.controlPlane.pools.flatMap((pool) => poolServers(ctx, pool, 'control-plane')),
    ...ctx.spec.workers.pools.flatMap((pool) => poolServers(ctx, pool, 'worker')),
  ];
}

/**
 * On or off, as far as a plan cares: a server on its way up counts as on, one on its way down as
 * off. Statuses in between (migrating, rebuilding, unknown) count as on: nothing hk8s can start.
 */
export function powerOf(status: Server['status']): 'on' | 'off' {
  return status === 'off' || status === 'stopping' ? 'off' : 'on';
}

export function serverProps(s: Server, book: AddressBook): JsonObject {
  const privateNet = s.private_net[0];
  const networkAddress = book.addressOf('network', privateNet?.network);
  const ip = privateNet?.ip;
  const subnet =
    privateNet?.network !== undefined && ip
      ? subnetRanges(book, privateNet.network).find((range) => ipv4InCidr(ip, range))
      : undefined;
  const props: JsonObject = {
    name: s.name,
    server_type: s.server_type.name,
    location: s.location?.name ?? s.datacenter.location.name,
    image: s.image ? { id: s.image.id, description: s.image.description } : null,
    network: refOrNull(networkAddress),
    subnet: subnet ?? null,
    public_ipv4: s.public_net.ipv4 !== null && s.public_net.ipv4 !== undefined,
    public_ipv6: s.public_net.ipv6 !== null && s.public_net.ipv6 !== undefined,
    backups: s.backup_window !== null && s.backup_window !== undefined,
    labels: stableLabels(s.labels),
    protection: { delete: s.protection.delete, rebuild: s.protection.rebuild },
    status: s.status,
    power: powerOf(s.status),
  };
  const group = book.addressOf('placement_group', s.placement_group?.id);
  if (group) props.placement_group = refOrNull(group);
  const rdns: JsonObject = {};
  const v4ptr = s.public_net.ipv4?.dns_ptr;
  if (v4ptr) rdns.ipv4 = v4ptr;
  const v6ptr = s.public_net.ipv6?.dns_ptr?.[0]?.dns_ptr;
  if (v6ptr) rdns.ipv6 = v6ptr;
  if (Object.keys(rdns).length > 0) props.rdns = rdns;
  if (s.public_net.ipv4?.ip) props.ipv4 = s.public_net.ipv4.ip;
  if (s.public_net.ipv6?.ip) props.ipv6 = s.public_net.ipv6.ip;
  if (ip) props.private_ip = ip;
  return props;
}

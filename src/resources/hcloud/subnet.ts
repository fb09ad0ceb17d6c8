/**
 * Subnets are not Hetzner objects of their own: they live inside a network, change through its
 * add_subnet/delete_subnet actions and carry no labels, so their range is their identity
 * (`subnet.10.0.64.0-25`) and their id is `<network id>:<ip range>`. Every field is immutable.
 */
import type { ResourceRecord } from '../../execute/runner.js';
import type { DesiredResource, JsonObject, ObservedResource } from '../../plan/types.js';
import type { Network } from '../../providers/hcloud/index.js';
import type { AddressBook, DriverContext, HcloudResourceModule } from '../types.js';
import { addressSelector, refId, settle } from './driver-kit.js';
import type { DesiredContext } from './infra-spec.js';
import { addresses } from './names.js';
import { ref, refOrNull, str } from './props.js';

function desired(ctx: DesiredContext): DesiredResource[] {
  const { subnets: s, pinnedSubnets } = ctx.layout;
  const ranges = [s.controlPlane, s.loadBalancer, s.worker, s.autoscaler, ...Object.values(pinnedSubnets)];
  return [...new Set(ranges)].map((cidr) => ({
    address: addresses.subnet(cidr),
    type: 'subnet',
    dependsOn: [addresses.network],
    props: {
      network: ref(addresses.network),
      type: 'cloud',
      network_zone: ctx.layout.networkZone,
      ip_range: cidr,
    },
  }));
}

/** The subnets inside an observed network, normalized. */
export function observedSubnets(n: Network, networkAddress: string): ObservedResource[] {
  return n.subnets.map((s) => {
    const props: JsonObject = {
      network: refOrNull(networkAddress),
      type: s.type,
      network_zone: s.network_zone,
      ip_range: s.ip_range ?? '',
    };
    // Key order as before the move, so observation dumps stay byte-identical.
    return {
      address: addresses.subnet(s.ip_range ?? ''),
      id: `${n.id}:${s.ip_range ?? ''}`,
      props,
      type: 'subnet',
    };
  });
}

function parseId(id: string): { networkId: number; ipRange: string } {
  const at = id.indexOf(':');
  return { networkId: Number(id.slice(0, at)), ipRange: id.slice(at + 1) };
}

/** The ranges of an observed network's subnets, in the network's order. */
export function subnetRanges(book: AddressBook, networkId: number): string[] {
  return book
    .observed('subnet')
    .filter((s) => parseId(s.id).networkId === networkId)
    .map((s) => parseId(s.id).ipRange);
}

function record(ctx: DriverContext, networkId: number, ipRange: string): ResourceRecord {
  return {
    address: ctx.address,
    type: 'subnet',
    id: `${networkId}:${ipRange}`,
    attrs: { ip_range: ipRange, network_id: networkId },
  };
}

async function hasSubnet(ctx: DriverContext, networkId: number, ipRange: string): Promise<boolean> {
  const network = await ctx.api.networks.get(networkId, { where: ctx.address });
  return network?.subnets.some((s) => s.ip_range === ipRange) ?? false;
}

async function create(ctx: DriverContext, props: JsonObject): Promise<ResourceRecord> {
  const networkId = refId(ctx, props.network);
  if (networkId === undefined) throw new Error(`${ctx.address}: a subnet needs its network`);
  const ipRange = str(props.ip_range);
  await settle(
    ctx,
    ctx.api.networks.addSubnet(
      networkId,
      { type: 'cloud', network_zone: str(props.network_zone), ip_range: ipRange },
      { where: ctx.address, verify: () => hasSubnet(ctx, networkId, ipRange) },
    ),
  );
  return record(ctx, networkId, ipRange);
}

async function remove(ctx: DriverContext, id: string): Promise<void> {
  const { networkId, ipRange } = parseId(id);
  await settle(
    ctx,
    ctx.api.networks.deleteSubnet(
      networkId,
      { ip_range: ipRange },
      { where: ctx.address, verify: async () => !(await hasSubnet(ctx, networkId, ipRange)) },
    ),
  );
}

export const subnet: HcloudResourceModule<'subnet'> = {
  type: 'subnet',
  rules: {
    immutable: ['/network', '/ip_range', '/type', '/network_zone'],
    createOnly: [],
    deleteRank: 2,
    drainBeforeDelete: false,
    serial: true,
  },
  desired,
  driver: {
    create,
    async update(ctx, action) {
      // Every subnet field is immutable: the planner only ever replaces them.
      await remove(ctx, action.resourceId);
      return create(ctx, action.after);
    },
    delete: (ctx, id) => remove(ctx, id),
    async find(ctx) {
      const ipRange = ctx.address.slice('subnet.'.length).replace(/-(\d+)$/, '/$1');
      const networks = await ctx.api.networks.list({
        labelSelector: addressSelector(addresses.network, ctx.cluster),
      });
      for (const n of networks)
        if (n.subnets.some((s) => s.ip_range === ipRange)) return record(ctx, n.id, ipRange);
      return undefined;
    },
  },
};

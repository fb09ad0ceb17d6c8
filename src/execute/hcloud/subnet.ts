/**
 * Subnets are not Hetzner objects of their own: they live inside a network and change through its
 * add_subnet/delete_subnet actions. Their id is `<network id>:<ip range>`.
 */
import type { ResourceRecord } from '../runner.js';
import { ADDRESS_LABEL } from '../../providers/hcloud/index.js';
import { refId, settle, str, type DriverContext } from './context.js';
import type { Driver } from './driver.js';

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

function parseId(id: string): { networkId: number; ipRange: string } {
  const at = id.indexOf(':');
  return { networkId: Number(id.slice(0, at)), ipRange: id.slice(at + 1) };
}

export const subnetDriver: Driver = {
  async create(ctx, props) {
    const networkId = refId(ctx, props.network) as number;
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
  },
  async update(ctx, action) {
    // Every subnet field is immutable: the planner only ever replaces them.
    await subnetDriver.delete(ctx, action.resourceId, action.before);
    return subnetDriver.create(ctx, action.after);
  },
  async delete(ctx, id) {
    const { networkId, ipRange } = parseId(id);
    await settle(
      ctx,
      ctx.api.networks.deleteSubnet(
        networkId,
        { ip_range: ipRange },
        { where: ctx.address, verify: async () => !(await hasSubnet(ctx, networkId, ipRange)) },
      ),
    );
  },
  async find(ctx) {
    const ipRange = ctx.address.slice('subnet.'.length).replace(/-(\d+)$/, '/$1');
    const networks = await ctx.api.networks.list({ labelSelector: `${ADDRESS_LABEL}=network.main` });
    for (const n of networks)
      if (n.subnets.some((s) => s.ip_range === ipRange)) return record(ctx, n.id, ipRange);
    return undefined;
  },
};

/**
 * The cluster network (`network.main`). Its range cannot change in place; name, labels and delete
 * protection can. Its subnets come back in its own list answer (see subnet.ts).
 */
import type { HcloudResourceModule } from '../types.js';
import type { Network } from '../../providers/hcloud/index.js';
import type { JsonObject } from '../../plan/types.js';
import { createLabels, findByAddress, namedRecord, settle } from './driver-kit.js';
import type { DesiredContext } from './infra-spec.js';
import { addresses } from './names.js';
import { desiredLabels, labelsOf, listed, obj, stableLabels, str } from './props.js';
import { observedSubnets } from './subnet.js';

export function networkProps(n: Network): JsonObject {
  return {
    name: n.name,
    ip_range: n.ip_range,
    labels: stableLabels(n.labels),
    protection: { delete: n.protection.delete },
  };
}

function desired(ctx: DesiredContext) {
  const address = addresses.network;
  return [
    {
      address,
      type: 'network' as const,
      dependsOn: [],
      props: {
        name: ctx.spec.cluster.name,
        ip_range: ctx.layout.networkCidr,
        labels: desiredLabels(ctx, address),
        protection: { delete: ctx.spec.cluster.deleteProtection },
      },
    },
  ];
}

export const network: HcloudResourceModule<'network'> = {
  type: 'network',
  rules: { immutable: ['/ip_range'], createOnly: [], deleteRank: 3, drainBeforeDelete: false },
  desired,
  observe: {
    noun: 'network',
    list: async (api, filter) =>
      (await api.networks.list(filter)).map((n) =>
        listed(
          n,
          () => networkProps(n),
          (address) => observedSubnets(n, address),
        ),
      ),
  },
  driver: {
    async create(ctx, props) {
      const { resource, actions } = await ctx.api.networks.create(
        { name: str(props.name), ip_range: str(props.ip_range), labels: createLabels(ctx, props) },
        ctx.address,
        { where: ctx.address, signal: ctx.run.signal },
      );
      await settle(ctx, Promise.resolve({ actions }));
      if (obj(props.protection).delete === true) {
        await settle(
          ctx,
          ctx.api.networks.changeProtection(resource.id, { delete: true }, { where: ctx.address }),
        );
      }
      return namedRecord(ctx, 'network', resource, { ip_range: resource.ip_range });
    },
    async update(ctx, action) {
      const id = Number(action.resourceId);
      const after = action.after;
      if (
        after.protection !== undefined &&
        JSON.stringify(after.protection) !== JSON.stringify(action.before.protection)
      ) {
        await settle(
          ctx,
          ctx.api.networks.changeProtection(
            id,
            { delete: obj(after.protection).delete === true },
            { where: ctx.address },
          ),
        );
      }
      const updated = await ctx.api.networks.update(
        id,
        { name: str(after.name), labels: labelsOf(after.labels) },
        { where: ctx.address },
      );
      return namedRecord(ctx, 'network', updated, { ip_range: updated.ip_range });
    },
    async delete(ctx, id, before) {
      if (obj(before.protection).delete === true) {
        await settle(
          ctx,
          ctx.api.networks.changeProtection(Number(id), { delete: false }, { where: ctx.address }),
        );
      }
      await settle(ctx, ctx.api.networks.delete(Number(id), { where: ctx.address }));
    },
    async find(ctx) {
      const found = await findByAddress(ctx, (f) => ctx.api.networks.list(f));
      return found && namedRecord(ctx, 'network', found, { ip_range: found.ip_range });
    },
  },
};

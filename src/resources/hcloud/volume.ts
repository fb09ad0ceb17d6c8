/**
 * Volumes hold data, so hk8s never creates one and observes them only when asked to
 * (`destroy --include-volumes`); it can rename, relabel and delete them.
 */
import type { Volume } from '../../providers/hcloud/index.js';
import type { DriverContext, HcloudResourceModule } from '../types.js';
import { findByAddress, namedRecord, settle } from './driver-kit.js';
import { labelsOf, listed, stableLabels, str } from './props.js';

export function volumeProps(v: Volume) {
  return { name: v.name, labels: stableLabels(v.labels), location: v.location.name, size: v.size };
}

const record = (ctx: DriverContext, v: Volume) => namedRecord(ctx, 'volume', v);

export const volume: HcloudResourceModule<'volume'> = {
  type: 'volume',
  rules: { immutable: ['/location', '/format'], createOnly: [], deleteRank: 1, drainBeforeDelete: false },
  desired: () => [],
  observe: {
    noun: 'volume',
    when: (options) => options.includeVolumes === true,
    list: async (api, filter) => (await api.volumes.list(filter)).map((v) => listed(v, () => volumeProps(v))),
  },
  driver: {
    async create(ctx) {
      throw new Error(`${ctx.address}: hk8s does not create volumes`);
    },
    async update(ctx, action) {
      const updated = await ctx.api.volumes.update(
        Number(action.resourceId),
        { name: str(action.after.name), labels: labelsOf(action.after.labels) },
        { where: ctx.address },
      );
      return record(ctx, updated);
    },
    async delete(ctx, id) {
      await settle(ctx, ctx.api.volumes.delete(Number(id), { where: ctx.address }));
    },
    async find(ctx) {
      const found = await findByAddress(ctx, (f) => ctx.api.volumes.list(f));
      return found && record(ctx, found);
    },
  },
};

/**
 * The Talos image type: desired per architecture of the servers a plan creates, observed through
 * the catalogue read (src/engine/hcloud-catalog.ts: one list by version and schematic, not by
 * cluster, since images are shared), built by the image runner (src/execute/image). This module's
 * own driver only relabels and deletes; creating one is the builder's job.
 */
import type { Image } from '../../../providers/hcloud/index.js';
import type { HcloudResourceModule } from '../../types.js';
import { settle } from '../driver-kit.js';
import { labelsOf } from '../props.js';
import { desiredImages } from './model.js';

export * from './model.js';

/** A snapshot's record: its id and identity. */
export function imageAttrs(image: Image): Record<string, string | number> {
  return {
    description: image.description,
    status: image.status,
    ...Object.fromEntries(Object.entries(image.labels)),
  };
}

export const image: HcloudResourceModule<'image'> = {
  type: 'image',
  rules: {
    immutable: [],
    // Observation finds only images of the desired identity: nothing of one is ever compared.
    createOnly: ['/talos_version', '/schematic', '/arch', '/labels', '/builder', '/schematic_id'],
    // After every server (of this cluster) that might boot from it.
    deleteRank: 1,
    drainBeforeDelete: false,
  },
  desired: desiredImages,
  driver: {
    async create(ctx) {
      throw new Error(`${ctx.address}: Talos images are built by the image runner (src/execute/image)`);
    },
    async update(ctx, action) {
      await ctx.api.images.update(
        Number(action.resourceId),
        { labels: labelsOf(action.after.labels) },
        { where: ctx.address },
      );
      return { address: ctx.address, type: 'image', id: action.resourceId, attrs: {} };
    },
    async delete(ctx, id) {
      await settle(ctx, ctx.api.images.delete(Number(id), { where: ctx.address }));
    },
    async find() {
      return undefined;
    },
  },
};

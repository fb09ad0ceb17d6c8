/**
 * Spread placement groups: one for the control planes, and one per ten workers of a pool
 * (`placement_group.<pool>-pg-<n>`), since Hetzner puts at most ten servers in a spread group.
 * Only name and labels change in place.
 */
import type { DesiredResource } from '../../plan/types.js';
import type { PlacementGroup } from '../../providers/hcloud/index.js';
import type { DriverContext, HcloudResourceModule } from '../types.js';
import { createLabels, findByAddress, namedRecord, settle } from './driver-kit.js';
import type { DesiredContext } from './infra-spec.js';
import { addresses, LABEL_POOL, LABEL_ROLE, type NodeRole } from './names.js';
import { desiredLabels, labelsOf, listed, stableLabels, str } from './props.js';

export const PLACEMENT_GROUP_SIZE = 10;

/** The address of the placement group a pool's `index`-th server joins, if any. */
export function placementGroupFor(
  pool: { name: string; placementGroup?: boolean },
  role: NodeRole,
  index: number,
): string | undefined {
  if (role === 'control-plane') return addresses.placementGroup('control-plane');
  if (pool.placementGroup === false) return undefined;
  return addresses.placementGroup(`${pool.name}-pg-${Math.ceil(index / PLACEMENT_GROUP_SIZE)}`);
}

function group(ctx: DesiredContext, name: string, role: NodeRole, pool?: string): DesiredResource {
  const address = addresses.placementGroup(name);
  return {
    address,
    type: 'placement_group',
    dependsOn: [],
    props: {
      name: `${ctx.spec.cluster.name}-${name === 'control-plane' ? 'control-plane-pg' : name}`,
      type: 'spread',
      labels: desiredLabels(ctx, address, { [LABEL_ROLE]: role, ...(pool ? { [LABEL_POOL]: pool } : {}) }),
    },
  };
}

function desired(ctx: DesiredContext): DesiredResource[] {
  const out: DesiredResource[] = [];
  if (ctx.spec.controlPlane.pools.some((p) => p.count > 0))
    out.push(group(ctx, 'control-plane', 'control-plane'));
  for (const pool of ctx.spec.workers.pools) {
    if (pool.placementGroup === false) continue;
    for (let shard = 1; shard <= Math.ceil(pool.count / PLACEMENT_GROUP_SIZE); shard++) {
      out.push(group(ctx, `${pool.name}-pg-${shard}`, 'worker', pool.name));
    }
  }
  return out;
}

export function placementGroupProps(p: PlacementGroup) {
  return { name: p.name, type: p.type, labels: stableLabels(p.labels) };
}

const record = (ctx: DriverContext, p: PlacementGroup) => namedRecord(ctx, 'placement_group', p);

export const placementGroup: HcloudResourceModule<'placement_group'> = {
  type: 'placement_group',
  rules: { immutable: ['/type'], createOnly: [], deleteRank: 1, drainBeforeDelete: false },
  desired,
  observe: {
    noun: 'placement group',
    list: async (api, filter) =>
      (await api.placementGroups.list(filter)).map((p) => listed(p, () => placementGroupProps(p))),
  },
  driver: {
    async create(ctx, props) {
      const { resource } = await ctx.api.placementGroups.create(
        { name: str(props.name), type: 'spread', labels: createLabels(ctx, props) },
        ctx.address,
        { where: ctx.address, signal: ctx.run.signal },
      );
      return record(ctx, resource);
    },
    async update(ctx, action) {
      const updated = await ctx.api.placementGroups.update(
        Number(action.resourceId),
        { name: str(action.after.name), labels: labelsOf(action.after.labels) },
        { where: ctx.address },
      );
      return record(ctx, updated);
    },
    async delete(ctx, id) {
      await settle(ctx, ctx.api.placementGroups.delete(Number(id), { where: ctx.address }));
    },
    async find(ctx) {
      const found = await findByAddress(ctx, (f) => ctx.api.placementGroups.list(f));
      return found && record(ctx, found);
    },
  },
};

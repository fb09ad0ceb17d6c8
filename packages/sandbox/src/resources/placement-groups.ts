/** Placement groups (type spread only; at most 10 servers each, 50 per project). */
import { invalidField, resourceLimitExceeded } from '../api-error.js';
import type { Handler } from '../context.js';
import { validateLabels } from '../labels.js';
import type { PlacementGroupRec, World } from '../types.js';
import { isoTime, nextId } from '../world.js';
import { assertNameFree, ok, standardSort } from './common.js';
import { getHandler, listHandler, queryFilter, removeHandler, resourceKind, updateHandler } from './crud.js';

const MAX_GROUPS = 50;

export function renderPlacementGroup(world: World, g: PlacementGroupRec): Record<string, unknown> {
  return {
    id: g.id,
    name: g.name,
    labels: g.labels,
    type: g.type,
    created: g.created,
    servers: Object.values(world.servers)
      .filter((s) => s.placement_group === g.id)
      .map((s) => s.id),
  };
}

const placementGroups = resourceKind(
  'placement_groups',
  'placement_group',
  'Placement Group',
  renderPlacementGroup,
);

const create: Handler = ({ ctx, body }) => {
  const { world } = ctx;
  const input = body as { name: string; type: 'spread'; labels?: Record<string, string> };
  assertNameFree(world.placement_groups, input.name);
  const labels = validateLabels(input.labels);
  if (input.type !== 'spread') throw invalidField('type', 'type must be spread');
  if (Object.keys(world.placement_groups).length >= MAX_GROUPS) {
    throw resourceLimitExceeded(
      'placement_groups',
      `project limit of ${MAX_GROUPS} placement groups reached`,
    );
  }
  const group: PlacementGroupRec = {
    id: nextId(world, 'placement_group'),
    name: input.name,
    labels,
    created: isoTime(ctx.now),
    type: 'spread',
  };
  world.placement_groups[group.id] = group;
  return ok({ placement_group: renderPlacementGroup(world, group), action: null }, 201);
};

const list = listHandler(placementGroups, {
  sort: standardSort(),
  filter: (req) => queryFilter(req, 'type', (g) => g.type),
});

const get = getHandler(placementGroups);

const update = updateHandler(placementGroups);

const remove = removeHandler(placementGroups, (world, g) => {
  for (const s of Object.values(world.servers)) if (s.placement_group === g.id) s.placement_group = null;
});

export const placementGroupHandlers: Record<string, Handler> = {
  list_placement_groups: list,
  create_placementgroup: create,
  get_placementgroup: get,
  replace_placementgroup: update,
  delete_placementgroup: remove,
};

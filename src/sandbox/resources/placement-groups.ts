/** Placement groups (type spread only; at most 10 servers each, 50 per project). */
import { invalidField, resourceLimitExceeded } from '../api-error.js';
import type { Handler } from '../context.js';
import { idParam } from '../context.js';
import { validateLabels } from '../labels.js';
import type { PlacementGroupRec, World } from '../types.js';
import { isoTime, nextId } from '../world.js';
import {
  assertNameFree,
  getOr404,
  listResponse,
  noContent,
  ok,
  standardSort,
  stringFilter,
} from './common.js';

const MAX_GROUPS = 50;

function render(world: World, g: PlacementGroupRec): Record<string, unknown> {
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
  return ok({ placement_group: render(world, group), action: null }, 201);
};

const list: Handler = (req) => {
  const types = stringFilter(req.query, 'type');
  return listResponse(
    req,
    'placement_groups',
    Object.values(req.ctx.world.placement_groups),
    (g) => render(req.ctx.world, g),
    {
      name: (g) => g.name,
      labels: (g) => g.labels,
      sort: standardSort(),
      filter: types ? (g) => types.includes(g.type) : undefined,
    },
  );
};

const get: Handler = (req) =>
  ok({
    placement_group: render(
      req.ctx.world,
      getOr404(req.ctx.world.placement_groups, idParam(req), 'Placement Group'),
    ),
  });

const update: Handler = (req) => {
  const { world } = req.ctx;
  const g = getOr404(world.placement_groups, idParam(req), 'Placement Group');
  const input = req.body as { name?: string; labels?: Record<string, string> };
  if (input.name !== undefined) assertNameFree(world.placement_groups, input.name, g.id);
  const labels = input.labels === undefined ? undefined : validateLabels(input.labels);
  if (input.name !== undefined) g.name = input.name;
  if (labels) g.labels = labels;
  return ok({ placement_group: render(world, g) });
};

const remove: Handler = (req) => {
  const { world } = req.ctx;
  const g = getOr404(world.placement_groups, idParam(req), 'Placement Group');
  for (const s of Object.values(world.servers)) if (s.placement_group === g.id) s.placement_group = null;
  delete world.placement_groups[g.id];
  return noContent();
};

export const placementGroupHandlers: Record<string, Handler> = {
  list_placement_groups: list,
  create_placementgroup: create,
  get_placementgroup: get,
  replace_placementgroup: update,
  delete_placementgroup: remove,
};

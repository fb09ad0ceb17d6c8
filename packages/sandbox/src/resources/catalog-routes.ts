/** Read-mostly catalogue endpoints: server and load-balancer types, locations, datacenters, images, ISOs. */
import { DURATIONS, assertUnlocked, ref, startAction } from '../actions.js';
import { invalidField, unprocessable } from '../api-error.js';
import { LOAD_BALANCER_TYPES, LOCATIONS, SERVER_TYPES } from '../catalog.js';
import type { Handler } from '../context.js';
import { idParam } from '../context.js';
import { validateLabels } from '../labels.js';
import type { ImageRec } from '../types.js';
import {
  actionBody,
  getOr404,
  listResponse,
  noContent,
  ok,
  renderImage,
  renderLoadBalancerType,
  renderLocation,
  renderServerType,
  stringFilter,
} from './common.js';
import { datacenterFor } from './server-view.js';

const byId = <T extends { id: number }>(items: T[]): Record<number, T> =>
  Object.fromEntries(items.map((i) => [i.id, i]));
const idName = { id: (i: { id: number }) => i.id, name: (i: { name: string }) => i.name };

const listServerTypes: Handler = (req) =>
  listResponse(req, 'server_types', SERVER_TYPES, renderServerType, { name: (t) => t.name });
const getServerType: Handler = (req) =>
  ok({ server_type: renderServerType(getOr404(byId(SERVER_TYPES), idParam(req), 'Server Type')) });

const listLocations: Handler = (req) =>
  listResponse(req, 'locations', LOCATIONS, renderLocation, { name: (l) => l.name, sort: idName });
const getLocation: Handler = (req) =>
  ok({ location: renderLocation(getOr404(byId(LOCATIONS), idParam(req), 'Location')) });

const datacenters = LOCATIONS.map((l) => ({
  id: l.datacenter.id,
  name: l.datacenter.name,
  location: l.name,
}));
const listDatacenters: Handler = (req) => {
  const response = listResponse(req, 'datacenters', datacenters, (d) => datacenterFor(d.location), {
    name: (d) => d.name,
    sort: idName,
  });
  (response.body as Record<string, unknown>)['recommendation'] = datacenters[0]?.id ?? 0;
  return response;
};
const getDatacenter: Handler = (req) =>
  ok({ datacenter: datacenterFor(getOr404(byId(datacenters), idParam(req), 'Datacenter').location) });

const listLbTypes: Handler = (req) =>
  listResponse(req, 'load_balancer_types', LOAD_BALANCER_TYPES, renderLoadBalancerType, {
    name: (t) => t.name,
  });
const getLbType: Handler = (req) =>
  ok({
    load_balancer_type: renderLoadBalancerType(
      getOr404(byId(LOAD_BALANCER_TYPES), idParam(req), 'Load Balancer Type'),
    ),
  });

const listImages: Handler = (req) => {
  const types = stringFilter(req.query, 'type');
  const statuses = stringFilter(req.query, 'status');
  const boundTo = stringFilter(req.query, 'bound_to');
  const arch = req.query['architecture'];
  const includeDeprecated = req.query['include_deprecated'] === true;
  const keep = (i: ImageRec) =>
    (!types || types.includes(i.type)) &&
    (!statuses || statuses.includes(i.status)) &&
    (!boundTo || boundTo.includes(String(i.bound_to))) &&
    (arch === undefined || i.architecture === arch) &&
    (includeDeprecated || i.deprecated === null);
  return listResponse(req, 'images', Object.values(req.ctx.world.images), renderImage, {
    name: (i) => i.name,
    labels: (i) => i.labels,
    sort: { id: (i) => i.id, name: (i) => i.name, created: (i) => i.created },
    filter: keep,
  });
};
const getImage: Handler = (req) =>
  ok({ image: renderImage(getOr404(req.ctx.world.images, idParam(req), 'Image')) });

const updateImage: Handler = (req) => {
  const image = getOr404(req.ctx.world.images, idParam(req), 'Image');
  const input = req.body as { description?: string; labels?: Record<string, string>; type?: 'snapshot' };
  if (image.type === 'system' || image.type === 'app')
    throw unprocessable('unsupported_error', 'system images cannot be changed');
  const labels = input.labels === undefined ? undefined : validateLabels(input.labels);
  if (input.type !== undefined && input.type !== 'snapshot')
    throw invalidField('type', 'type can only be changed to snapshot');
  if (input.description !== undefined) image.description = input.description;
  if (labels) image.labels = labels;
  if (input.type === 'snapshot') {
    image.type = 'snapshot';
    image.bound_to = null;
  }
  return ok({ image: renderImage(image) });
};

const deleteImage: Handler = (req) => {
  const { world } = req.ctx;
  const image = getOr404(world.images, idParam(req), 'Image');
  if (image.type === 'system' || image.type === 'app')
    throw unprocessable('unsupported_error', 'system images cannot be deleted');
  if (image.delete_protected) throw unprocessable('protected', 'image is delete protected');
  assertUnlocked(world, ref('image', image.id));
  delete world.images[image.id];
  return noContent();
};

const changeImageProtection: Handler = (req) => {
  const { ctx } = req;
  const image = getOr404(ctx.world.images, idParam(req), 'Image');
  if (image.type === 'system' || image.type === 'app')
    throw unprocessable('unsupported_error', 'system images have no protection');
  assertUnlocked(ctx.world, ref('image', image.id));
  const input = req.body as { delete?: boolean };
  if (input.delete !== undefined) image.delete_protected = input.delete;
  const action = startAction(ctx, {
    command: 'change_protection',
    durationMs: DURATIONS.instant,
    resources: [ref('image', image.id)],
  });
  return ok({ action: actionBody(action, ctx.now) }, 201);
};

const listIsos: Handler = (req) => listResponse(req, 'isos', [] as { id: number }[], (i) => i);

export const catalogHandlers: Record<string, Handler> = {
  list_server_types: listServerTypes,
  get_server_type: getServerType,
  list_locations: listLocations,
  get_location: getLocation,
  list_data_centers: listDatacenters,
  get_data_center: getDatacenter,
  list_load_balancer_types: listLbTypes,
  get_load_balancer_type: getLbType,
  list_images: listImages,
  get_image: getImage,
  replace_image: updateImage,
  delete_image: deleteImage,
  change_image_protection: changeImageProtection,
  list_isos: listIsos,
};

/** Volumes: create (optionally attached), attach, detach, resize, protection, delete. */
import { DURATIONS, assertUnlocked, ref, startAction } from '../actions.js';
import { invalidField, notFound, unprocessable } from '../api-error.js';
import { findLocation } from '../catalog.js';
import type { Handler, HandlerRequest } from '../context.js';
import { validateLabels } from '../labels.js';
import type { VolumeRec } from '../types.js';
import { isoTime, nextId } from '../world.js';
import {
  actionBody,
  assertNameFree,
  assertNotProtected,
  ok,
  renderLocation,
  standardSort,
} from './common.js';
import {
  getHandler,
  itemAction,
  type ItemActionSpec,
  listHandler,
  protectionHandler,
  queryFilter,
  removeHandler,
  resourceKind,
  updateHandler,
} from './crud.js';

const MIN_SIZE = 10;
const MAX_SIZE = 10240;

function render(v: VolumeRec): Record<string, unknown> {
  const location = findLocation(v.location);
  return {
    id: v.id,
    name: v.name,
    labels: v.labels,
    created: v.created,
    size: v.size,
    server: v.server,
    location: location ? renderLocation(location) : null,
    linux_device: `/dev/disk/by-id/scsi-0HC_Volume_${v.id}`,
    format: v.format,
    status: v.status,
    protection: { delete: v.delete_protected },
  };
}

const volumes = resourceKind('volumes', 'volume', 'Volume', (_, v) => render(v));

const create: Handler = ({ ctx, body }) => {
  const { world } = ctx;
  const input = body as {
    name: string;
    size: number;
    location?: string;
    server?: number;
    automount?: boolean;
    format?: string;
    labels?: Record<string, string>;
  };
  assertNameFree(world.volumes, input.name);
  const labels = validateLabels(input.labels);
  if (input.size < MIN_SIZE || input.size > MAX_SIZE) {
    throw invalidField('size', `size must be between ${MIN_SIZE} and ${MAX_SIZE} GB`);
  }
  if (input.format !== undefined && !['xfs', 'ext4'].includes(input.format)) {
    throw invalidField('format', 'format must be xfs or ext4');
  }
  const server = input.server === undefined ? undefined : world.servers[input.server];
  if (input.server !== undefined && !server) throw notFound('Server', input.server);
  const location = input.location === undefined ? undefined : findLocation(input.location);
  if (input.location !== undefined && !location) throw invalidField('location', 'location not found');
  if (!server && !location) throw invalidField('location', 'either location or server is required');
  if (server && location && server.location !== location.name) {
    throw invalidField('location', 'the server is in another location');
  }
  if (server) assertUnlocked(world, ref('server', server.id));
  const volume: VolumeRec = {
    id: nextId(world, 'volume'),
    name: input.name,
    labels,
    created: isoTime(ctx.now),
    size: input.size,
    location: server?.location ?? location?.name ?? 'fsn1',
    server: server?.id ?? null,
    format: input.format ?? null,
    status: 'creating',
    delete_protected: false,
  };
  world.volumes[volume.id] = volume;
  const action = startAction(ctx, {
    command: 'create_volume',
    durationMs: DURATIONS.volume,
    resources: [ref('volume', volume.id)],
    effect: { kind: 'volume-available', volume: volume.id },
  });
  const next = server
    ? [
        startAction(ctx, {
          command: 'attach_volume',
          durationMs: DURATIONS.volume,
          after: action,
          resources: [ref('volume', volume.id), ref('server', server.id)],
        }),
      ]
    : [];
  return ok(
    {
      volume: render(volume),
      action: actionBody(action, ctx.now),
      next_actions: next.map((a) => actionBody(a, ctx.now)),
    },
    201,
  );
};

const list = listHandler(volumes, {
  sort: standardSort(),
  filter: (req) => queryFilter(req, 'status', (v) => v.status),
});

const get = getHandler(volumes);

const update = updateHandler(volumes);

const remove = removeHandler(volumes, (world, v) => {
  assertNotProtected(v.delete_protected, 'volume');
  assertUnlocked(world, ref('volume', v.id));
  if (v.server !== null) throw unprocessable('resource_in_use', 'volume must be detached before deletion');
});

function volumeAction(req: HandlerRequest, command: string, change: ItemActionSpec<VolumeRec>['change']) {
  return itemAction(req, volumes, { command, durationMs: DURATIONS.volume, change });
}

const attach: Handler = (req) =>
  volumeAction(req, 'attach_volume', (v) => {
    const serverId = (req.body as { server: number }).server;
    const server = req.ctx.world.servers[serverId];
    if (!server) throw notFound('Server', serverId);
    if (v.server !== null) throw unprocessable('volume_already_attached', 'volume is already attached');
    if (server.location !== v.location) throw invalidField('server', 'the server is in another location');
    assertUnlocked(req.ctx.world, ref('server', server.id));
    v.server = server.id;
    return [ref('volume', v.id), ref('server', server.id)];
  });

const detach: Handler = (req) =>
  volumeAction(req, 'detach_volume', (v) => {
    const was = v.server;
    v.server = null;
    return was === null ? [ref('volume', v.id)] : [ref('volume', v.id), ref('server', was)];
  });

const resize: Handler = (req) =>
  volumeAction(req, 'resize_volume', (v) => {
    const size = (req.body as { size: number }).size;
    if (size <= v.size || size > MAX_SIZE)
      throw invalidField('size', 'a volume can only grow, up to 10240 GB');
    v.size = size;
  });

const changeProtection = protectionHandler(volumes, DURATIONS.volume);

export const volumeHandlers: Record<string, Handler> = {
  list_volumes: list,
  create_volume: create,
  get_volume: get,
  replace_volume: update,
  delete_volume: remove,
  attach_volume_to_server: attach,
  detach_volume: detach,
  resize_volume: resize,
  change_volume_protection: changeProtection,
};

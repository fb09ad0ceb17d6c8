/** What finishing an action does to the world (persisted as data so it survives a restart). */
import type { SimContext } from './context.js';
import { serverInfo } from './hooks.js';
import type { ActionRec } from './types.js';
import { assertNever } from './errors.js';
import { powerChanged } from './rescue/state.js';

/**
 * What a failed action leaves: nothing changes, except that a server it had put in a passing state
 * (`starting`, `stopping`) is back where it was — a start that failed leaves it off, as on Hetzner,
 * never `starting` for ever.
 */
export function revertFailed(ctx: SimContext, action: ActionRec): void {
  const effect = action.effect;
  if (effect.kind !== 'server-status') return;
  const server = ctx.world.servers[effect.server];
  if (server?.status === 'starting') server.status = 'off';
  else if (server?.status === 'stopping') server.status = 'running';
}

export function applyEffect(ctx: SimContext, action: ActionRec): void {
  const { world } = ctx;
  const effect = action.effect;
  switch (effect.kind) {
    case 'none':
      return;
    case 'server-status': {
      const server = world.servers[effect.server];
      if (!server) return;
      server.status = effect.status;
      if (effect.power) powerChanged(server, effect.power);
      if (effect.power)
        ctx.events.push({ kind: 'power', server: serverInfo(world, server), event: effect.power });
      return;
    }
    case 'server-type': {
      const server = world.servers[effect.server];
      if (!server) return;
      server.server_type = effect.serverType;
      server.primary_disk_size = effect.diskSize;
      server.status = 'off';
      return;
    }
    case 'server-delete':
      removeServer(ctx, effect.server);
      return;
    case 'image-available': {
      const image = world.images[effect.image];
      if (image) image.status = 'available';
      return;
    }
    case 'volume-available': {
      const volume = world.volumes[effect.volume];
      if (volume) volume.status = 'available';
      return;
    }
    case 'certificate-issued': {
      const cert = world.certificates[effect.certificate];
      if (cert) cert.issuance = 'completed';
      return;
    }
    default:
      assertNever(effect, 'action effect');
  }
}

/** Deletes a server and releases everything that pointed at it, as Hetzner does. */
export function removeServer(ctx: SimContext, id: number): void {
  const { world } = ctx;
  const server = world.servers[id];
  if (!server) return;
  const info = serverInfo(world, server);
  for (const ip of Object.values(world.primary_ips)) {
    if (ip.assignee_id !== id) continue;
    if (ip.auto_delete) delete world.primary_ips[ip.id];
    else ip.assignee_id = null;
  }
  for (const ip of Object.values(world.floating_ips)) if (ip.server === id) ip.server = null;
  for (const volume of Object.values(world.volumes)) if (volume.server === id) volume.server = null;
  for (const lb of Object.values(world.load_balancers)) {
    lb.targets = lb.targets.filter((t) => !(t.type === 'server' && t.server === id));
  }
  for (const fw of Object.values(world.firewalls)) {
    fw.apply_to = fw.apply_to.filter((a) => !(a.type === 'server' && a.server === id));
  }
  delete world.servers[id];
  ctx.events.push({ kind: 'deleted', server: info });
}

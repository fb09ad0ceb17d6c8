/**
 * The rescue system's life on a server, as Hetzner runs it: enable_rescue arms it with SSH keys,
 * the next boot (power on, reboot, reset) starts it instead of the disk and disarms it ("rescue mode
 * is disabled when you first boot into it"), and it ends when the server powers off or boots again.
 */
import type { ServerRec } from '../types.js';

export function armRescue(server: ServerRec, keys: number[]): void {
  server.rescue_enabled = true;
  server.rescue = { ...server.rescue, keys: [...keys], active: server.rescue?.active ?? false };
}

/** A power change finished: the boot it caused runs rescue when rescue was armed. */
export function powerChanged(server: ServerRec, event: 'on' | 'off' | 'reboot' | 'reset'): void {
  const booting = event !== 'off';
  if (booting && server.rescue_enabled) {
    server.rescue_enabled = false;
    server.rescue = { keys: server.rescue?.keys ?? [], active: true };
    return;
  }
  // Powered off, or booted from the disk: the rescue system (and its tmpfs) is gone.
  if (server.rescue) server.rescue = { keys: server.rescue.keys, active: false };
}

/** The server is up in its rescue system. */
export function inRescue(server: ServerRec): boolean {
  return server.status === 'running' && server.rescue?.active === true;
}

/**
 * What is on a server's disk, as far as the sandbox cares: a Talos image written by the rescue
 * system's `dd` (rescue-commands.ts), carried into a snapshot by create_image and onto the disk of
 * every server created (or rebuilt) from it. A node boots the Talos its disk holds (talos/node.ts);
 * labels, which anyone may edit, never decide it — except for the seeded snapshots of worlds written
 * before disks were recorded, which fall back to the labels they were seeded with.
 */
import { SEEDED_SCHEMATIC, SEEDED_TALOS_IMAGE_IDS } from './catalog.js';
import type { DiskContent, ImageRec, ServerRec, TalosDisk, World } from './types.js';

/** The disk a new (or rebuilt) server gets from its image. */
export function diskOfImage(image: ImageRec | undefined): DiskContent {
  if (!image) return { talos: null };
  if (image.disk) return structuredClone(image.disk);
  return { talos: legacySeededTalos(image) };
}

/** A seeded snapshot of an older world, without a recorded disk: what its labels say. */
function legacySeededTalos(image: ImageRec): TalosDisk | null {
  if (!SEEDED_TALOS_IMAGE_IDS.has(image.id)) return null;
  const version = image.labels['talos_version'];
  const schematic = image.labels['hk8s.io/schematic'];
  if (image.labels['os'] !== 'talos' || !version) return null;
  // The label holds only the first 32 digits (label values are at most 63 characters); the seeded
  // snapshots were all built from one schematic, so the full id is known.
  const full = schematic && SEEDED_SCHEMATIC.startsWith(schematic) ? SEEDED_SCHEMATIC : schematic;
  return { version, schematic: full ?? '', arch: image.architecture };
}

/** The Talos on a server's disk, or null (no Talos: its Talos API never answers). */
export function talosOnDisk(world: World, server: ServerRec): TalosDisk | null {
  if (server.disk) return server.disk.talos;
  return diskOfImage(server.image === null ? undefined : world.images[server.image]).talos;
}

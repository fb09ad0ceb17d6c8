/**
 * Talos images (`image.talos-x86`, `image.talos-arm`): snapshots of one Talos version and Image
 * Factory schematic for one architecture, shared by every cluster of the Hetzner project. Found by
 * their labels, built when missing (src/execute/image). Pure.
 */
import type { DesiredResource, JsonObject } from '../../../plan/types.js';
import type { DesiredContext, InfraPool } from '../infra-spec.js';
import { addresses } from '../names.js';

/** Hetzner's architecture names (server types, images); the factory says amd64 / arm64. */
export type HcloudArch = 'x86' | 'arm';
export type TalosArch = 'amd64' | 'arm64';

export const LABEL_TALOS_VERSION = 'hk8s.io/talos-version';
/** The schematic id's first 32 hex digits: a label value holds at most 63 characters. */
export const LABEL_SCHEMATIC = 'hk8s.io/schematic';
export const LABEL_ARCH = 'hk8s.io/arch';
export const SCHEMATIC_LABEL_LENGTH = 32;

/** The schematic of Hetzner's public Talos ISO (qemu-guest-agent): hk8s's default schematic. */
export const DEFAULT_SCHEMATIC = 'ce4c980550dd2ab1b17bbf2b08801c7eb59418eafe8f279833297925d67c7515';
export const FACTORY_URL = 'https://factory.talos.dev';

export interface TalosImageId {
  version: string;
  /** The full 64-digit schematic id. */
  schematic: string;
  arch: HcloudArch;
}

export function hcloudArch(arch: TalosArch | HcloudArch): HcloudArch {
  return arch === 'arm64' || arch === 'arm' ? 'arm' : 'x86';
}

export function talosArch(arch: HcloudArch): TalosArch {
  return arch === 'arm' ? 'arm64' : 'amd64';
}

export function imageAddress(arch: HcloudArch): string {
  return `image.talos-${arch}`;
}

export function archOfImageAddress(address: string): HcloudArch | undefined {
  const match = /^image\.talos-(x86|arm)$/.exec(address);
  return match ? (match[1] as HcloudArch) : undefined;
}

export function imageLabels(id: TalosImageId): Record<string, string> {
  return {
    [LABEL_TALOS_VERSION]: id.version,
    [LABEL_SCHEMATIC]: id.schematic.slice(0, SCHEMATIC_LABEL_LENGTH),
    [LABEL_ARCH]: id.arch,
  };
}

/** The label selector of the images of one identity (any architecture when `arch` is left out). */
export function imageSelector(id: Omit<TalosImageId, 'arch'> & { arch?: HcloudArch }): string {
  const labels = imageLabels({ ...id, arch: id.arch ?? 'x86' });
  const terms = [`${LABEL_TALOS_VERSION}=${id.version}`, `${LABEL_SCHEMATIC}=${labels[LABEL_SCHEMATIC]}`];
  if (id.arch) terms.push(`${LABEL_ARCH}=${id.arch}`);
  return terms.join(',');
}

/** The factory's Hetzner disk image (talos.md §7): `hcloud-amd64.raw.xz` or `hcloud-arm64.raw.xz`. */
export function factoryImageUrl(id: TalosImageId, base = FACTORY_URL): string {
  return `${base}/image/${id.schematic}/${id.version}/hcloud-${talosArch(id.arch)}.raw.xz`;
}

export function imageDescription(id: TalosImageId): string {
  return `Talos Linux ${id.version} ${talosArch(id.arch)} schematic ${id.schematic} (hk8s)`;
}

/** The identity of an image from its labels, when it carries all three. */
export function identityOfLabels(labels: Record<string, string> | undefined): TalosImageId | undefined {
  const version = labels?.[LABEL_TALOS_VERSION];
  const schematic = labels?.[LABEL_SCHEMATIC];
  const arch = labels?.[LABEL_ARCH];
  if (!version || !schematic || (arch !== 'x86' && arch !== 'arm')) return undefined;
  return { version, schematic, arch };
}

/** The architecture of a pool's server type: the catalogue's, else the name's (Arm types are cax*). */
export function poolArch(ctx: DesiredContext, pool: InfraPool): HcloudArch {
  const known = ctx.facts.architectures?.[pool.type];
  return hcloudArch(known ?? (pool.type.startsWith('cax') ? 'arm64' : 'amd64'));
}

export function schematicOf(ctx: DesiredContext): string {
  return ctx.facts.talosSchematic ?? DEFAULT_SCHEMATIC;
}

export function imageId(ctx: DesiredContext, arch: HcloudArch): TalosImageId {
  return { version: ctx.spec.talos.version, schematic: schematicOf(ctx), arch };
}

/** The image's props: its identity and labels (what observation normalizes an image to). */
export function imageProps(id: TalosImageId): JsonObject {
  return {
    talos_version: id.version,
    schematic: id.schematic.slice(0, SCHEMATIC_LABEL_LENGTH),
    arch: id.arch,
    labels: imageLabels(id),
  };
}

/**
 * One image per architecture of the servers the plan creates: a cluster whose servers all exist
 * needs no image (a snapshot deleted since is not rebuilt until a server is created again).
 */
export function desiredImages(ctx: DesiredContext): DesiredResource[] {
  // The first pool of an architecture also says where its temporary build server goes.
  const archs = new Map<HcloudArch, InfraPool>();
  const pools = [...ctx.spec.controlPlane.pools, ...ctx.spec.workers.pools];
  for (const pool of pools) {
    for (let index = 1; index <= pool.count; index++) {
      const arch = poolArch(ctx, pool);
      if (!ctx.facts.servers[addresses.server(pool.name, index)] && !archs.has(arch)) archs.set(arch, pool);
    }
  }
  return [...archs.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([arch, pool]) => {
      const id = imageId(ctx, arch);
      const builder = { server_type: pool.type, location: pool.location };
      const props = { ...imageProps(id), schematic_id: id.schematic, builder };
      return { address: imageAddress(arch), type: 'image', dependsOn: [], props };
    });
}

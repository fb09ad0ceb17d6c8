/**
 * The Talos images of a Hetzner project, as `hk8s image list | build | delete` and `destroy
 * --include-images` see them: every snapshot carrying hk8s's identity labels, with the servers (of
 * any cluster) that boot from it, and the temporary build servers a killed build left behind.
 * Images belong to the project, not to one cluster, so none of this touches a cluster's event log.
 */
import { Hk8sError } from '../errors.js';
import type { HcloudApi, Image } from '../providers/hcloud/index.js';
import {
  identityOfLabels,
  LABEL_TALOS_VERSION,
  SCHEMATIC_LABEL_LENGTH,
  type HcloudArch,
} from '../resources/hcloud/image/model.js';
import { LABEL_IMAGE_BUILDER } from '../execute/image/builder.js';

export interface ProjectImage {
  id: number;
  version: string;
  /** The schematic label: the id's first 32 hex digits. */
  schematic: string;
  arch: HcloudArch;
  status: Image['status'];
  created: string;
  description: string;
  /** Size of the compressed image in GB, when Hetzner has computed it. */
  sizeGb: number | null;
  /** Names of the servers of any cluster in the project that boot from it. */
  usedBy: string[];
}

export interface ProjectImages {
  images: ProjectImage[];
  /** Temporary build servers of builds that did not finish (removed by the next build). */
  leftoverBuilders: string[];
}

function projectImage(image: Image, usedBy: string[]): ProjectImage[] {
  const id = identityOfLabels(image.labels);
  if (!id) return [];
  return [
    {
      id: image.id,
      version: id.version,
      schematic: id.schematic,
      arch: id.arch,
      status: image.status,
      created: image.created,
      description: image.description,
      sizeGb: image.image_size ?? null,
      usedBy,
    },
  ];
}

/** Two lists of snapshots and servers (one page each at most sizes), asked at once. */
export async function readProjectImages(api: HcloudApi): Promise<ProjectImages> {
  const [images, servers] = await Promise.all([
    api.images.list({ query: { type: ['snapshot'] }, labelSelector: LABEL_TALOS_VERSION }),
    api.servers.list(),
  ]);
  const users = new Map<number, string[]>();
  for (const server of servers) {
    const image = server.image?.id;
    if (image !== undefined) users.set(image, [...(users.get(image) ?? []), server.name]);
  }
  return {
    images: images
      .flatMap((image) => projectImage(image, users.get(image.id) ?? []))
      .sort((a, b) => a.version.localeCompare(b.version) || a.arch.localeCompare(b.arch) || a.id - b.id),
    leftoverBuilders: servers.filter((s) => s.labels[LABEL_IMAGE_BUILDER] !== undefined).map((s) => s.name),
  };
}

export interface ImageFilter {
  ids?: readonly number[];
  version?: string;
  /** A full id or its first 32 digits: compared on the label's length. */
  schematic?: string;
  arch?: HcloudArch;
  unused?: boolean;
}

/** The images a filter selects; an empty filter selects none (deleting everything needs asking for). */
export function selectImages(images: readonly ProjectImage[], filter: ImageFilter): ProjectImage[] {
  const given =
    (filter.ids?.length ?? 0) > 0 ||
    filter.version !== undefined ||
    filter.schematic !== undefined ||
    filter.arch !== undefined ||
    filter.unused === true;
  if (!given) return [];
  const schematic = filter.schematic?.slice(0, SCHEMATIC_LABEL_LENGTH);
  return images.filter(
    (i) =>
      (!filter.ids?.length || filter.ids.includes(i.id)) &&
      (filter.version === undefined || i.version === filter.version) &&
      (schematic === undefined || i.schematic === schematic) &&
      (filter.arch === undefined || i.arch === filter.arch) &&
      (filter.unused !== true || i.usedBy.length === 0),
  );
}

/**
 * Deletes the images after one fresh look at the project's servers (one list, not one per image: a
 * server may have been created from one since it was listed): one in use is refused with its users,
 * as the image driver refuses it during destroy, before anything is deleted.
 */
export async function deleteUnusedImages(api: HcloudApi, ids: readonly number[]): Promise<number[]> {
  const servers = await api.servers.list();
  for (const id of ids) {
    const users = servers.filter((s) => s.image?.id === id).map((s) => s.name);
    if (users.length > 0) {
      throw new Hk8sError('image.build', `image ${id} is used by ${users.join(', ')} since it was listed`, {
        where: `image ${id}`,
        hint: 'Nothing was deleted. An image is deleted only when no server boots from it.',
      });
    }
  }
  const deleted: number[] = [];
  for (const id of ids) {
    const { actions } = await api.images.delete(id, { where: `image ${id}` });
    if (actions.length > 0) await api.waitForActions(actions.map((a) => a.id));
    deleted.push(id);
  }
  return deleted;
}

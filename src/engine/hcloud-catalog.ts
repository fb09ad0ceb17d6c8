/**
 * Hetzner's catalogue as the cloud-facts check needs it: one list of server types, one of
 * locations and, when servers are to be created, one of the Talos snapshots of the spec's version
 * and schematic (every architecture) — three requests (one page each at today's sizes), in parallel.
 */
import type { HcloudApi, Image } from '../providers/hcloud/index.js';
import { identityOfLabels, imageSelector, talosArch } from '../resources/hcloud/image/model.js';
import type { CatalogImage, CatalogNeeds, CloudCatalog, TalosArch } from './cloud-facts.js';

const ARCH: Record<string, TalosArch> = { x86: 'amd64', arm: 'arm64' };

function catalogImage(image: Image): CatalogImage[] {
  const id = identityOfLabels(image.labels);
  if (!id) return [];
  const { version, schematic, arch } = id;
  return [
    { id: image.id, version, schematic, arch: talosArch(arch), status: image.status, labels: image.labels },
  ];
}

export async function readCatalog(api: HcloudApi, needs: CatalogNeeds): Promise<CloudCatalog> {
  const [types, locations, images] = await Promise.all([
    api.serverTypes.list(),
    api.locations.list(),
    needs.images
      ? api.images.list({ query: { type: ['snapshot'] }, labelSelector: imageSelector(needs.images) })
      : undefined,
  ]);
  return {
    serverTypes: types.map((t) => ({
      name: t.name,
      architecture: ARCH[t.architecture] ?? 'amd64',
      locations: t.locations.map((l) => {
        // The type-wide deprecation is the older field; the location's own one wins.
        const until = l.deprecation?.unavailable_after ?? t.deprecation?.unavailable_after;
        return until === undefined ? { name: l.name } : { name: l.name, unavailableAfter: until };
      }),
    })),
    locations: locations.map((l) => ({ name: l.name, networkZone: l.network_zone })),
    ...(images ? { talosImages: images.flatMap(catalogImage) } : {}),
  };
}

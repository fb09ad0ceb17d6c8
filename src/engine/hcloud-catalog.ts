/**
 * Hetzner's catalogue as the cloud-facts check needs it: one list of server types, one of
 * locations and, when servers are to be created, one of the Talos snapshots — three requests
 * (one page each at today's sizes), read in parallel.
 */
import type { HcloudApi } from '../providers/hcloud/index.js';
import type { CatalogNeeds, CloudCatalog, TalosArch } from './cloud-facts.js';

const ARCH: Record<string, TalosArch> = { x86: 'amd64', arm: 'arm64' };

/** The selector the server driver boots from (src/resources/hcloud/server/driver.ts), all versions. */
export const TALOS_IMAGES_SELECTOR = 'os=talos';

export async function readCatalog(api: HcloudApi, needs: CatalogNeeds): Promise<CloudCatalog> {
  const [types, locations, images] = await Promise.all([
    api.serverTypes.list(),
    api.locations.list(),
    needs.images ? api.images.list({ labelSelector: TALOS_IMAGES_SELECTOR }) : undefined,
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
    ...(images
      ? {
          talosImages: images.flatMap((i) => {
            const version = i.labels.talos_version;
            const arch = i.labels.arch;
            return version && (arch === 'amd64' || arch === 'arm64') ? [{ version, arch }] : [];
          }),
        }
      : {}),
  };
}

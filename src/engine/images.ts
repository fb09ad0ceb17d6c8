/**
 * The Talos images a plan finds: of the catalogue's snapshots of the spec's version and schematic,
 * the newest available one per desired `image.talos-<arch>` (one still being made counts too, so a
 * plan during a build does not start a second one).
 */
import type { DesiredResource, ObservedResource } from '../plan/types.js';
import {
  archOfImageAddress,
  hcloudArch,
  imageProps,
  type HcloudArch,
} from '../resources/hcloud/image/model.js';
import type { CatalogImage } from './cloud-facts.js';

export function observedImages(
  desired: readonly DesiredResource[],
  images: readonly CatalogImage[],
): ObservedResource[] {
  const out: ObservedResource[] = [];
  for (const d of desired) {
    if (d.type !== 'image') continue;
    const arch = archOfImageAddress(d.address);
    // The list asked for this identity; checked again, so a catalogue of another schematic cannot slip in.
    const same = images.filter(
      (i) => i.version === d.props.talos_version && i.schematic === d.props.schematic,
    );
    const found = newest(same, arch, 'available') ?? newest(same, arch, 'creating');
    if (!found) continue;
    const props = imageProps({
      version: found.version,
      schematic: found.schematic,
      arch: hcloudArch(found.arch),
    });
    out.push({ address: d.address, type: 'image', id: String(found.id), props });
  }
  return out;
}

function newest(
  images: readonly CatalogImage[],
  arch: HcloudArch | undefined,
  status: CatalogImage['status'],
): CatalogImage | undefined {
  return images
    .filter((i) => hcloudArch(i.arch) === arch && i.status === status)
    .sort((a, b) => b.id - a.id)[0];
}

/**
 * `destroy --include-images`: the cluster's Talos images (the spec's version and schematic, one per
 * architecture) join the destroy plan — deleted after every server, by the image driver, which
 * refuses one still in use — unless a server of another cluster boots from one: that one is kept,
 * with a warning. Images of other versions (left by upgrades) are `hk8s image delete`'s.
 */
import type { EngineEventSink } from '../execute/events.js';
import type { ObservedResource } from '../plan/types.js';
import { imageAddress, imageProps, SCHEMATIC_LABEL_LENGTH } from '../resources/hcloud/image/model.js';
import type { Spec } from '../spec/schema.js';
import { schematicIdFor } from '../talos/config/schematic.js';
import type { ProjectImages } from './project-images.js';

export function imagesToDestroy(
  spec: Spec,
  project: ProjectImages,
  observed: readonly ObservedResource[],
  events: EngineEventSink,
): ObservedResource[] {
  const schematic = schematicIdFor(spec);
  const ours = new Set(observed.filter((o) => o.type === 'server').map((o) => String(o.props.name ?? '')));
  const mine = project.images.filter(
    (i) => i.version === spec.talos.version && i.schematic === schematic.slice(0, SCHEMATIC_LABEL_LENGTH),
  );
  const out: ObservedResource[] = [];
  for (const image of mine.sort((a, b) => b.id - a.id)) {
    const address = imageAddress(image.arch);
    const others = image.usedBy.filter((name) => !ours.has(name));
    if (others.length > 0) {
      events({
        type: 'warning',
        warning: { kind: 'image-kept', image: `${address} (${image.id})`, usedBy: others },
      });
      continue;
    }
    // One address per architecture: a second image of one identity is left for `hk8s image delete`.
    if (out.some((o) => o.address === address)) continue;
    const props = imageProps({ version: image.version, schematic, arch: image.arch });
    out.push({ address, type: 'image', id: String(image.id), props });
  }
  return out;
}

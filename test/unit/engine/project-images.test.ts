import { describe, expect, it } from 'vitest';
import { imagesToDestroy } from '../../../src/engine/destroy-images.js';
import { selectImages, type ProjectImage } from '../../../src/engine/project-images.js';
import type { EngineEvent } from '../../../src/execute/events.js';
import type { ObservedResource } from '../../../src/plan/types.js';
import { DEFAULT_SCHEMATIC } from '../../../src/resources/hcloud/image/model.js';
import { spec } from '../plan/applied-cluster.js';

const OURS = DEFAULT_SCHEMATIC.slice(0, 32);
const OTHER = 'a'.repeat(32);

function image(
  id: number,
  version: string,
  arch: 'x86' | 'arm',
  usedBy: string[] = [],
  schematic = OURS,
): ProjectImage {
  return {
    id,
    version,
    schematic,
    arch,
    status: 'available',
    created: '2026-12-01',
    description: '',
    sizeGb: 0.3,
    usedBy,
  };
}

const IMAGES = [
  image(1, 'v1.13.9', 'x86', ['a-cp-1']),
  image(2, 'v1.13.9', 'arm'),
  image(3, 'v1.12.11', 'x86'),
  image(4, 'v1.13.9', 'x86', [], OTHER),
];

describe('selectImages', () => {
  it.each([
    ['no filter selects nothing', {}, []],
    ['by id', { ids: [3, 4] }, [3, 4]],
    ['by version', { version: 'v1.13.9' }, [1, 2, 4]],
    ['by arch and version', { version: 'v1.13.9', arch: 'x86' as const }, [1, 4]],
    ['by a full schematic id', { schematic: DEFAULT_SCHEMATIC }, [1, 2, 3]],
    ['by the 32-digit label', { schematic: OTHER }, [4]],
    ['unused only', { unused: true }, [2, 3, 4]],
    ['every given filter must match', { version: 'v1.13.9', unused: true, arch: 'arm' as const }, [2]],
    ['an id of another version matches nothing', { ids: [3], version: 'v1.13.9' }, []],
  ])('%s', (_name, filter, ids) => {
    expect(selectImages(IMAGES, filter).map((i) => i.id)).toEqual(ids);
  });
});

describe('imagesToDestroy', () => {
  const base = spec([{ name: 'cp', count: 1 }], []);
  const specAt = { ...base, talos: { ...base.talos, version: 'v1.13.9' } };
  const server = (name: string): ObservedResource => ({
    address: `server.cp.${name.at(-1)}`,
    type: 'server',
    id: name,
    props: { name },
  });

  it("plans the spec's images that only this cluster's servers use, one per architecture", () => {
    const events: EngineEvent[] = [];
    const found = imagesToDestroy(specAt, { images: IMAGES, leftoverBuilders: [] }, [server('a-cp-1')], (e) =>
      events.push(e),
    );
    expect(found.map((f) => [f.address, f.id])).toEqual([
      ['image.talos-arm', '2'],
      ['image.talos-x86', '1'],
    ]);
    expect(events).toEqual([]);
  });

  it('keeps an image a server of another cluster boots from, with a warning naming it', () => {
    const events: EngineEvent[] = [];
    const found = imagesToDestroy(specAt, { images: IMAGES, leftoverBuilders: [] }, [server('b-cp-1')], (e) =>
      events.push(e),
    );
    expect(found.map((f) => f.address)).toEqual(['image.talos-arm']);
    expect(events).toEqual([
      { type: 'warning', warning: { kind: 'image-kept', image: 'image.talos-x86 (1)', usedBy: ['a-cp-1'] } },
    ]);
  });
});

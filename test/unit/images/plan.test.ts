import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CatalogImage, CloudCatalog } from '../../../src/engine/cloud-facts.js';
import { applyCluster, planCluster } from '../../../src/engine/session.js';
import { openWorkspace } from '../../../src/engine/workspace.js';
import type { Action } from '../../../src/plan/types.js';
import { factoryImageUrl, imageSelector } from '../../../src/resources/hcloud/image/model.js';
import { installerImage } from '../../../src/plan/talos/installer.js';
import { schematicIdFor } from '../../../src/talos/config/schematic.js';
import { FakeCloud } from '../../support/fake-cloud.js';

const DEFAULT = 'ce4c980550dd2ab1b17bbf2b08801c7eb59418eafe8f279833297925d67c7515';
const at = (names: string[]) => names.map((name) => ({ name }));

function catalog(images: CatalogImage[]): CloudCatalog {
  return {
    serverTypes: [
      { name: 'cpx21', architecture: 'amd64', locations: at(['fsn1']) },
      { name: 'cax11', architecture: 'arm64', locations: at(['fsn1']) },
      // A name that says nothing: only the catalogue knows it is Arm.
      { name: 'zz1', architecture: 'arm64', locations: at(['fsn1']) },
    ],
    locations: [{ name: 'fsn1', networkZone: 'eu-central' }],
    talosImages: images,
  };
}

function snapshot(
  id: number,
  arch: 'amd64' | 'arm64',
  schematic = DEFAULT,
  version = 'v1.13.9',
): CatalogImage {
  return { id, version, arch, schematic: schematic.slice(0, 32), status: 'available', labels: {} };
}

async function planFor(workers: string, images: CatalogImage[], talos = '') {
  const dir = mkdtempSync(join(tmpdir(), 'hk8s-images-'));
  writeFileSync(
    join(dir, 'hk8s.yaml'),
    `
cluster: { name: unit }
firewall: { apiSources: [198.51.100.0/24] }
${talos}
controlPlane:
  pools: [{ name: cp, location: fsn1, type: cpx21, count: 1 }]
workers:
  pools: [${workers}]
`,
  );
  const ws = await openWorkspace({ cwd: dir });
  const cloud = new FakeCloud();
  cloud.catalog = catalog(images);
  const { plan } = await planCluster(ws, cloud.provider(), { command: 'apply' }, () => undefined);
  return { ws, actions: plan.graph.actions, cloud };
}

const byAddress = (actions: readonly Action[], address: string) => actions.find((a) => a.address === address);
const images = (actions: readonly Action[]) =>
  actions.filter((a) => a.address.startsWith('image.')).map((a) => `${a.kind} ${a.address}`);

describe('Talos images in the plan', () => {
  it('a mixed x86 and Arm cluster plans one image each, and each server waits for its own', async () => {
    const { actions, cloud } = await planFor('{ name: arm, location: fsn1, type: zz1, count: 2 }', []);
    expect(images(actions)).toEqual(['create image.talos-arm', 'create image.talos-x86']);
    const arm = byAddress(actions, 'image.talos-arm');
    expect(arm?.kind === 'create' && arm.props).toEqual({
      talos_version: 'v1.13.9',
      schematic: DEFAULT.slice(0, 32),
      schematic_id: DEFAULT,
      arch: 'arm',
      // The temporary build server goes where the first Arm pool is, as its type.
      builder: { server_type: 'zz1', location: 'fsn1' },
      labels: {
        'hk8s.io/talos-version': 'v1.13.9',
        'hk8s.io/schematic': DEFAULT.slice(0, 32),
        'hk8s.io/arch': 'arm',
      },
    });
    expect(arm?.reason).toMatch(/^build: /);
    expect(byAddress(actions, 'server.arm.1')?.dependsOn).toContain('create:image.talos-arm');
    expect(byAddress(actions, 'server.arm.1')?.dependsOn).not.toContain('create:image.talos-x86');
    expect(byAddress(actions, 'server.cp.1')?.dependsOn).toContain('create:image.talos-x86');
    const server = byAddress(actions, 'server.arm.2');
    expect(server?.kind === 'create' && server.props.image).toMatchObject({
      arch: 'arm',
      talos_version: 'v1.13.9',
    });
    expect(cloud.catalogReads).toEqual([{ images: { version: 'v1.13.9', schematic: DEFAULT } }]);
  });

  it('an image found by its labels is not built, and servers do not wait for anything', async () => {
    const { actions } = await planFor('{ name: w, location: fsn1, type: cpx21, count: 1 }', [
      snapshot(7, 'amd64'),
    ]);
    expect(images(actions)).toEqual([]);
    expect(byAddress(actions, 'server.w.1')?.dependsOn.some((d) => d.includes('image.'))).toBe(false);
  });

  it('a first apply that finds the image succeeds and records nothing of the shared image', async () => {
    const { ws, cloud } = await planFor('{ name: w, location: fsn1, type: cpx21, count: 1 }', [
      snapshot(7, 'amd64'),
    ]);
    const hooks = { events: () => undefined, confirm: async () => true, onRunStart: () => () => undefined };
    const applied = await applyCluster(ws, cloud.provider(), { command: 'apply', parallelism: 4 }, hooks);
    expect(applied.result?.outcome).toBe('succeeded');
    expect(cloud.calls.some((c) => c.includes('image.'))).toBe(false);
  });

  it('an image of another schematic, version or architecture does not count: the plan builds', async () => {
    const other = 'a'.repeat(64);
    const found = [
      snapshot(7, 'amd64', other),
      snapshot(8, 'amd64', DEFAULT, 'v1.13.10'),
      snapshot(9, 'arm64'),
    ];
    const { actions } = await planFor('{ name: w, location: fsn1, type: cpx21, count: 1 }', found);
    expect(images(actions)).toEqual(['create image.talos-x86']);
    const withSchematic = await planFor(
      '{ name: w, location: fsn1, type: cpx21, count: 1 }',
      [snapshot(7, 'amd64', other)],
      `talos: { schematicId: ${other} }`,
    );
    expect(images(withSchematic.actions)).toEqual([]);
  });

  it('extensions change the schematic: the booted image and the installer agree', async () => {
    const { ws, actions } = await planFor(
      '{ name: w, location: fsn1, type: cpx21, count: 1 }',
      [snapshot(7, 'amd64')],
      'talos: { extensions: [siderolabs/iscsi-tools] }',
    );
    const schematic = schematicIdFor(ws.spec);
    expect(schematic).not.toBe(DEFAULT);
    const image = byAddress(actions, 'image.talos-x86');
    expect(image?.kind === 'create' && image.props.schematic).toBe(schematic.slice(0, 32));
    expect(installerImage(ws.spec, 'v1.13.9')).toBe(
      `factory.talos.dev/hcloud-installer/${schematic}:v1.13.9`,
    );
    expect(factoryImageUrl({ version: 'v1.13.9', schematic, arch: 'arm' })).toBe(
      `https://factory.talos.dev/image/${schematic}/v1.13.9/hcloud-arm64.raw.xz`,
    );
    expect(imageSelector({ version: 'v1.13.9', schematic, arch: 'x86' })).toBe(
      `hk8s.io/talos-version=v1.13.9,hk8s.io/schematic=${schematic.slice(0, 32)},hk8s.io/arch=x86`,
    );
  });
});

/* eslint-disable @typescript-eslint/no-explicit-any -- the tests read untyped config documents */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Hk8sError } from '../../../../src/errors.js';
import {
  DEFAULT_TALOS_MINOR,
  EMITTED_KINDS,
  TALOS_VERSIONS,
  defaultSchematic,
  installerImageFor,
  minorOf,
  schematicIdOf,
  schematicYaml,
  talosVersionSupport,
} from '../../../../src/talos/config/index.js';
import { exampleSpec } from './fixtures.js';

describe('the version table', () => {
  it.each([
    ['v1.13.9', 'v1.13'],
    ['v1.13.0-beta.1', 'v1.13'],
    ['v1.12.11', 'v1.12'],
  ])('%s uses the %s entry', (version, minor) => {
    expect(talosVersionSupport(version).minor).toBe(minor);
    expect(minorOf(version)).toBe(minor);
  });

  it('rejects unknown minors with a spec error that names the supported ones', () => {
    const error = (() => {
      try {
        talosVersionSupport('v1.14.0');
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(Hk8sError);
    expect(error).toMatchObject({ code: 'spec.invalid', where: 'talos.version' });
    expect((error as Hk8sError).oneLine()).toMatch(
      /Talos v1\.14\.0 is not supported\. .*v1\.12, v1\.13 \(default v1\.13\)/,
    );
    expect(DEFAULT_TALOS_MINOR).toBe('v1.13');
  });

  it.each(Object.values(TALOS_VERSIONS))(
    '$minor: its schema file exists and has every kind hk8s writes',
    (entry) => {
      const url = new URL(`../../../../vendor/talos/${entry.schemaFile}`, import.meta.url);
      const schema = JSON.parse(readFileSync(url, 'utf8')) as { $id: string; $defs: Record<string, any> };
      expect(schema.$id).toBe(`https://talos.dev/${entry.minor}/schemas/config.schema.json`);
      const kinds = Object.values(schema.$defs).map((definition) => definition.properties?.kind?.enum?.[0]);
      for (const kind of entry.kinds) expect(kinds).toContain(kind);
      expect(entry.kinds).toEqual(EMITTED_KINDS);
    },
  );
});

describe('Image Factory schematics', () => {
  it.each([
    [[], [], '376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba'],
    [[], ['siderolabs/qemu-guest-agent'], 'ce4c980550dd2ab1b17bbf2b08801c7eb59418eafe8f279833297925d67c7515'],
    [['noapic', 'nolapic'], [], '9cba8e32753f91a16c1837ab8abf356af021706ef284aef07380780177d9a06c'],
  ])('kernel args %j and extensions %j hash to the factory id', (extraKernelArgs, officialExtensions, id) => {
    expect(schematicIdOf({ extraKernelArgs, officialExtensions })).toBe(id);
  });

  it('META entries hash to the factory test vector (key 10 "foo" → d308a2a5…59a7f)', () => {
    const id = schematicIdOf({
      extraKernelArgs: [],
      officialExtensions: [],
      meta: [{ key: 10, value: 'foo' }],
    });
    expect(id).toBe('d308a2a5ee2277bed5fbaa104fcbc8d59122abfa737df987a95b4ca763459a7f');
  });

  it('the same customization written in another order of fields gives the same id', () => {
    const a = schematicIdOf({ officialExtensions: ['siderolabs/qemu-guest-agent'], extraKernelArgs: [] });
    expect(a).toBe('ce4c980550dd2ab1b17bbf2b08801c7eb59418eafe8f279833297925d67c7515');
  });

  it('writes the canonical YAML with kernel args first and quotes ambiguous strings', () => {
    expect(
      schematicYaml({ extraKernelArgs: ['net.ifnames=0', 'true'], officialExtensions: ['siderolabs/a'] }),
    ).toBe(
      'customization:\n    extraKernelArgs:\n        - net.ifnames=0\n        - "true"\n' +
        '    systemExtensions:\n        officialExtensions:\n            - siderolabs/a\n',
    );
  });

  it('the default schematic adds qemu-guest-agent and Longhorn extensions, sorted and distinct', async () => {
    const full = await exampleSpec('full');
    expect(defaultSchematic(full)).toEqual({
      extraKernelArgs: ['net.ifnames=0'],
      officialExtensions: [
        'siderolabs/iscsi-tools',
        'siderolabs/qemu-guest-agent',
        'siderolabs/util-linux-tools',
      ],
    });
    const minimal = await exampleSpec('minimal');
    expect(installerImageFor(minimal)).toBe(
      'factory.talos.dev/hcloud-installer/ce4c980550dd2ab1b17bbf2b08801c7eb59418eafe8f279833297925d67c7515:v1.13.9',
    );
  });
});

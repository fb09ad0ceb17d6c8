import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  checkCloudFacts,
  poolsToCheck,
  type CloudCatalog,
  type FactsInput,
} from '../../../src/engine/cloud-facts.js';
import { readCatalog } from '../../../src/engine/hcloud-catalog.js';
import { applyCluster, planCluster } from '../../../src/engine/session.js';
import { openWorkspace, type Workspace } from '../../../src/engine/workspace.js';
import { SpecValidationError } from '../../../src/spec/validate.js';
import { FakeCloud } from '../../support/fake-cloud.js';
import { HcloudStub, page } from '../../support/hcloud-stub.js';
import { clientFor } from '../hcloud/helpers.js';

const NOW = Date.parse('2026-06-01T00:00:00Z');
const EU = ['fsn1', 'nbg1', 'hel1'];
const ALL = [...EU, 'ash'];
const at = (names: string[]) => names.map((name) => ({ name }));

const CATALOG: CloudCatalog = {
  serverTypes: [
    { name: 'cpx21', architecture: 'amd64', locations: at(ALL) },
    { name: 'cpx31', architecture: 'amd64', locations: at(ALL) },
    { name: 'cax11', architecture: 'arm64', locations: at(EU) },
    { name: 'cx22', architecture: 'amd64', locations: at(EU) },
    {
      name: 'cx11',
      architecture: 'amd64',
      locations: [
        { name: 'fsn1', unavailableAfter: '2026-01-01T00:00:00Z' },
        { name: 'nbg1', unavailableAfter: '2027-01-01T00:00:00Z' },
      ],
    },
  ],
  locations: [
    { name: 'fsn1', networkZone: 'eu-central' },
    { name: 'nbg1', networkZone: 'eu-central' },
    { name: 'hel1', networkZone: 'eu-central' },
    { name: 'ash', networkZone: 'us-east' },
  ],
  talosImages: [],
};

const SCHEMATIC = 'ce4c980550dd2ab1b17bbf2b08801c7eb59418eafe8f279833297925d67c7515';
const IMAGES = { version: 'v1.13.9', schematic: SCHEMATIC };

const spec = (pools: { cp?: string; workers?: string; talos?: string }) => `
cluster: { name: unit }
firewall: { apiSources: [198.51.100.0/24] }
talos: { version: ${pools.talos ?? 'v1.13.9'} }
controlPlane:
  pools:
    - { name: cp, location: fsn1, type: ${pools.cp ?? 'cpx21'}, count: 1 }
workers:
  pools:
${pools.workers ?? '    - { name: w, location: fsn1, type: cpx31, count: 2 }'}
`;

async function workspaceFor(text: string): Promise<Workspace> {
  const dir = mkdtempSync(join(tmpdir(), 'hk8s-facts-'));
  writeFileSync(join(dir, 'hk8s.yaml'), text);
  return openWorkspace({ cwd: dir });
}

/** The problems of a spec whose pools are all to be created. */
async function problemsOf(text: string, extra: Partial<FactsInput> = {}) {
  const ws = await workspaceFor(text);
  const pools = ws.spec.controlPlane.pools
    .map((p, i) => ({
      path: ['controlPlane', 'pools', i],
      name: p.name,
      location: p.location,
      type: p.type,
      creating: true,
    }))
    .concat(
      ws.spec.workers.pools.map((p, i) => ({
        path: ['workers', 'pools', i],
        name: p.name,
        location: p.location,
        type: p.type,
        creating: true,
      })),
    );
  return checkCloudFacts({ spec: ws.spec, pools, catalog: CATALOG, now: NOW, ...extra }).map(
    (p) => `${p.path.join('.')}: ${p.message}`,
  );
}

describe('cloud facts', () => {
  it('accepts what the catalogue has', async () => {
    expect(await problemsOf(spec({}))).toEqual([]);
  });

  it('names an unknown server type and lists the types of its location', async () => {
    expect(await problemsOf(spec({ cp: 'cpx99' }))).toEqual([
      'controlPlane.pools.0.type: server type cpx99 does not exist; available in fsn1: cax11, cpx21, cpx31, cx22',
    ]);
  });

  it('refuses a type retired in the location, not one only deprecated there', async () => {
    const workers = [
      '    - { name: b, location: fsn1, type: cx11, count: 1 }',
      '    - { name: c, location: nbg1, type: cx11, count: 1 }',
    ].join('\n');
    expect(await problemsOf(spec({ workers }))).toEqual([
      'workers.pools.0.type: server type cx11 was retired in fsn1 after 2026-01-01T00:00:00Z; available in fsn1: cax11, cpx21, cpx31, cx22',
    ]);
  });

  it('refuses a type not offered in the location', async () => {
    const text = spec({ workers: '    - { name: a, location: ash, type: cx22, count: 1 }' }).replace(
      'location: fsn1',
      'location: ash',
    );
    expect(await problemsOf(text)).toEqual([
      'workers.pools.0.type: server type cx22 is not offered in ash; available in ash: cpx21, cpx31',
    ]);
  });

  it('checks the zone of the network as it exists', async () => {
    expect(await problemsOf(spec({}), { networkZone: 'us-east' })).toEqual([
      "controlPlane.pools.0.location: location fsn1 is in network zone eu-central, not in us-east of the cluster's network; available: ash",
      "workers.pools.0.location: location fsn1 is in network zone eu-central, not in us-east of the cluster's network; available: ash",
    ]);
  });

  it('names a location the catalogue does not have', async () => {
    const catalog = { ...CATALOG, locations: CATALOG.locations.filter((l) => l.name !== 'hel1') };
    const ws = await workspaceFor(spec({}));
    const problems = checkCloudFacts({
      spec: ws.spec,
      pools: [{ path: ['workers', 'pools', 0], name: 'w', location: 'hel1', type: 'cpx31', creating: true }],
      catalog,
      now: NOW,
    });
    expect(problems.map((p) => p.message)).toEqual([
      'location hel1 does not exist; available: ash, fsn1, nbg1',
    ]);
  });

  it('a missing Talos image is no problem: the plan builds it', async () => {
    expect(await problemsOf(spec({ talos: 'v1.13.10', cp: 'cax11' }))).toEqual([]);
  });

  it('lists every problem at once', async () => {
    const workers = [
      '    - { name: a, location: fsn1, type: cpx98, count: 1 }',
      '    - { name: b, location: hel1, type: cax11, count: 1 }',
    ].join('\n');
    const problems = await problemsOf(spec({ cp: 'cpx99', workers, talos: 'v1.13.10' }));
    expect(problems.map((p) => p.split(':')[0])).toEqual([
      'controlPlane.pools.0.type',
      'workers.pools.0.type',
    ]);
  });

  it('checks only pools with a server to create or retype', async () => {
    const ws = await workspaceFor(
      spec({ workers: '    - { name: w, location: fsn1, type: cpx31, count: 2 }' }),
    );
    const observed = [
      { address: 'server.cp.1', type: 'server' as const, id: '1', props: { server_type: 'cpx21' } },
      { address: 'server.w.1', type: 'server' as const, id: '2', props: { server_type: 'cpx21' } },
      { address: 'server.w.2', type: 'server' as const, id: '3', props: { server_type: 'cpx31' } },
    ];
    const desired = (type: string, address: string) => ({
      address,
      type: 'server' as const,
      dependsOn: [],
      props: { server_type: type },
    });
    const pools = poolsToCheck(
      ws.spec,
      [desired('cpx21', 'server.cp.1'), desired('cpx31', 'server.w.1'), desired('cpx31', 'server.w.2')],
      observed,
    );
    expect(pools).toEqual([
      { path: ['workers', 'pools', 0], name: 'w', location: 'fsn1', type: 'cpx31', creating: false },
    ]);
  });
});

describe('cloud facts in a plan', () => {
  let cloud: FakeCloud;
  beforeEach(() => {
    cloud = new FakeCloud();
    cloud.catalog = CATALOG;
  });

  it('refuses before anything runs, located in the spec file, every problem at once', async () => {
    const ws = await workspaceFor(
      spec({ cp: 'cpx99', workers: '    - { name: w, location: fsn1, type: cpx98, count: 2 }' }),
    );
    const error = await planCluster(ws, cloud.provider(), { command: 'apply' }, () => undefined).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SpecValidationError);
    const issues = (error as SpecValidationError).issues;
    expect(issues.map((i) => [i.path, i.line])).toEqual([
      ['controlPlane.pools[0].type', 7],
      ['workers.pools[0].type', 10],
    ]);
    expect((error as SpecValidationError).exitCode).toBe(4);
    expect(cloud.calls).toEqual([]);
  });

  it('reads the catalogue once for a plan that creates, and not at all for one that does not', async () => {
    const ws = await workspaceFor(spec({}));
    const hooks = { events: () => undefined, confirm: async () => true, onRunStart: () => () => undefined };
    const applied = await applyCluster(ws, cloud.provider(), { command: 'apply', parallelism: 4 }, hooks);
    expect(applied.result?.outcome).toBe('succeeded');
    expect(cloud.catalogReads).toEqual([{ images: IMAGES }]);
    const again = await planCluster(ws, cloud.provider(), { command: 'apply' }, () => undefined);
    expect(again.plan.graph.actions).toEqual([]);
    expect(cloud.catalogReads).toHaveLength(1);
  });

  it('a type change reads the types but no images', async () => {
    const ws = await workspaceFor(spec({}));
    const hooks = { events: () => undefined, confirm: async () => true, onRunStart: () => () => undefined };
    await applyCluster(ws, cloud.provider(), { command: 'apply', parallelism: 4 }, hooks);
    writeFileSync(
      join(ws.root, 'hk8s.yaml'),
      spec({ workers: '    - { name: w, location: fsn1, type: cx11, count: 2 }' }),
    );
    const changed = await openWorkspace({ cwd: ws.root });
    // cx11 is retired in fsn1: a retype to it is refused as well.
    await expect(
      planCluster(changed, cloud.provider(), { command: 'apply' }, () => undefined),
    ).rejects.toThrow(/server type cx11 was retired in fsn1/);
    expect(cloud.catalogReads.at(-1)).toEqual({});
  });
});

describe('the catalogue read', () => {
  it('costs one list each of server types, locations and Talos images, the images only when asked', async () => {
    const stub = await HcloudStub.start();
    try {
      stub
        .on(
          'GET',
          '/server_types',
          page(
            'server_types',
            [serverType('cpx21', 'x86', null), serverType('cx11', 'x86', '2026-01-01T00:00:00+00:00')],
            1,
            1,
          ),
        )
        .on(
          'GET',
          '/locations',
          page('locations', [{ id: 1, name: 'fsn1', network_zone: 'eu-central' }], 1, 1),
        )
        .on(
          'GET',
          '/images',
          page(
            'images',
            [
              {
                id: 9,
                status: 'available',
                labels: {
                  'hk8s.io/talos-version': 'v1.13.9',
                  'hk8s.io/schematic': SCHEMATIC.slice(0, 32),
                  'hk8s.io/arch': 'arm',
                },
              },
              { id: 10, status: 'available', labels: { os: 'talos' } },
            ],
            1,
            1,
          ),
        );
      const { client } = clientFor(stub);
      const catalog = await readCatalog(client, { images: IMAGES });
      expect(stub.requests.map((r) => r.path).sort()).toEqual(['/images', '/locations', '/server_types']);
      expect(stub.requestsTo('GET', '/images')[0]?.query.get('label_selector')).toBe(
        `hk8s.io/talos-version=v1.13.9,hk8s.io/schematic=${SCHEMATIC.slice(0, 32)}`,
      );
      expect(catalog).toEqual({
        serverTypes: [
          { name: 'cpx21', architecture: 'amd64', locations: [{ name: 'fsn1' }] },
          {
            name: 'cx11',
            architecture: 'amd64',
            locations: [{ name: 'fsn1', unavailableAfter: '2026-01-01T00:00:00+00:00' }],
          },
        ],
        locations: [{ name: 'fsn1', networkZone: 'eu-central' }],
        talosImages: [
          {
            id: 9,
            version: 'v1.13.9',
            schematic: SCHEMATIC.slice(0, 32),
            arch: 'arm64',
            status: 'available',
            labels: {
              'hk8s.io/talos-version': 'v1.13.9',
              'hk8s.io/schematic': SCHEMATIC.slice(0, 32),
              'hk8s.io/arch': 'arm',
            },
          },
        ],
      });
      stub.requests.length = 0;
      await readCatalog(client, {});
      expect(stub.requests.map((r) => r.path).sort()).toEqual(['/locations', '/server_types']);
    } finally {
      await stub.close();
    }
  });
});

function serverType(name: string, architecture: string, unavailableAfter: string | null) {
  const deprecation = unavailableAfter
    ? { announced: '2025-01-01T00:00:00+00:00', unavailable_after: unavailableAfter }
    : null;
  return { id: 1, name, architecture, deprecation: null, locations: [{ id: 1, name: 'fsn1', deprecation }] };
}

/**
 * Cloud facts are checked before anything is created: through the built CLI against the sandbox,
 * an apply of a spec the cloud cannot build exits 4, names every field, and sends no request that
 * changes anything (the sandbox's request counters show only reads).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sandboxDirFor, workspace, type Workspace } from '../support/cli.js';
import { mutatingOperations } from '../support/hcloud-operations.js';
import { hcloud, resetStats, stats } from '../support/sandbox-client.js';

const spec = (cp: string, workers: string, talos = 'v1.13.9') => `cluster:
  name: facts
firewall:
  apiSources: [203.0.113.0/24]
talos: { version: ${talos} }
controlPlane:
  pools:
    - ${cp}
workers:
  pools:
    - ${workers}
`;

const sandboxDir = sandboxDirFor('facts');
let ws: Workspace;

beforeAll(() => {
  ws = workspace({ sandboxDir });
  const started = ws.run('sandbox', 'start', '--speed', '0.01');
  expect(started.code, started.stderr).toBe(0);
});

afterAll(() => {
  ws?.run('sandbox', 'stop');
});

beforeEach(async () => {
  await resetStats(sandboxDir);
});

async function expectNothingChanged(): Promise<Record<string, Record<string, number>>> {
  const { requests, total } = await stats(sandboxDir);
  expect(mutatingOperations(requests)).toEqual([]);
  expect(total).toBeLessThanOrEqual(20);
  return requests;
}

describe('apply refuses what the cloud cannot build, before any create', () => {
  it('cpx99, an unknown location and Talos v1.99.0', async () => {
    ws.writeSpec(
      spec(
        '{ name: cp, location: xyz1, type: cpx21, count: 1 }',
        '{ name: w, location: fsn1, type: cpx99, count: 1 }',
        'v1.99.0',
      ),
    );
    const applied = ws.run('apply', '--sandbox', '--auto-approve');
    expect(applied.code, applied.stdout + applied.stderr).toBe(4);
    expect(applied.stderr).toMatch(/hk8s\.yaml:8:\d+: controlPlane\.pools\[0\]\.location: /);
    await expectNothingChanged();
  });

  it('a server type that does not exist, and one not offered in its location: both at once', async () => {
    ws.writeSpec(
      spec(
        '{ name: cp, location: ash, type: cx22, count: 1 }',
        '{ name: w, location: ash, type: cpx99, count: 2 }',
      ),
    );
    const applied = ws.run('apply', '--sandbox', '--auto-approve');
    expect(applied.code, applied.stdout + applied.stderr).toBe(4);
    const lines = applied.stderr.trim().split('\n');
    expect(lines[0]).toMatch(
      /hk8s\.yaml:8:\d+: controlPlane\.pools\[0\]\.type: server type cx22 is not offered in ash; available in ash: ccx13, .*cpx11/,
    );
    expect(lines[1]).toMatch(
      /hk8s\.yaml:11:\d+: workers\.pools\[0\]\.type: server type cpx99 does not exist; available in ash: /,
    );
    const requests = await expectNothingChanged();
    expect(Object.keys(requests)).toEqual(expect.arrayContaining(['list_server_types', 'list_locations']));
  });

  it('an architecture without a Talos image in the project: the plan builds it, changing nothing yet', async () => {
    const images = await hcloud<{ images: Array<{ id: number }> }>(
      sandboxDir,
      'GET',
      '/images?label_selector=hk8s.io%2Farch%3Darm',
    );
    for (const image of images.images)
      await hcloud(sandboxDir, 'DELETE', `/images/${image.id}`).catch(() => undefined);
    await resetStats(sandboxDir);
    ws.writeSpec(
      spec(
        '{ name: cp, location: fsn1, type: cpx21, count: 1 }',
        '{ name: arm, location: fsn1, type: cax11, count: 1 }',
      ),
    );
    const planned = ws.run('plan', '--sandbox');
    expect(planned.code, planned.stdout + planned.stderr).toBe(0);
    expect(planned.stdout).toMatch(/\+\s+image\.talos-arm\s+create: build: /);
    expect(planned.stdout).not.toMatch(/image\.talos-x86/);
    const requests = await expectNothingChanged();
    expect(requests.list_images).toEqual({ '200': 1 });
  });
});

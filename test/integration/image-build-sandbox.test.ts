/**
 * hk8s's own image builder (src/execute/image/builder.ts) against the sandbox: a new world has no
 * Talos snapshots, the build goes through the simulated rescue system over real SSH, and leaves one
 * snapshot with the image's labels — and no temporary server or key. A server from it boots the
 * Talos that was written.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxServer, TalosSimulator, type RunningSandbox } from '@hk8s/sandbox';
import { buildImage, LABEL_IMAGE_BUILDER } from '../../src/execute/image/builder.js';
import { ssh2Connector } from '../../src/execute/image/shell.js';
import { createHcloudClient, type HcloudApi } from '../../src/providers/hcloud/index.js';
import { DEFAULT_SCHEMATIC, type TalosImageId } from '../../src/resources/hcloud/image/model.js';

const SPEED = 0.002;
const RESCUE_PORT = 45181;
const TALOS_PORT = 45182;

let dir: string;
let sandbox: RunningSandbox;
let talos: TalosSimulator;
let api: HcloudApi;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hk8s-image-build-'));
  talos = new TalosSimulator({ stateDir: dir, port: TALOS_PORT, speed: SPEED, log: () => {} });
  sandbox = await startSandboxServer({
    stateDir: dir,
    speed: SPEED,
    rescuePort: RESCUE_PORT,
    hooks: talos.hooks,
  });
  api = createHcloudClient({
    endpoint: sandbox.url,
    token: 'test',
    pollIntervals: { initialMs: 5, maxMs: 10 },
  });
});

afterAll(async () => {
  await sandbox?.close();
  await talos?.close();
  rmSync(dir, { recursive: true, force: true });
});

const options = {
  connect: ssh2Connector,
  sshPort: RESCUE_PORT,
  timing: { sshReadyMs: 5000, sshRetryMs: 50 },
};

describe('building a Talos image on the sandbox', () => {
  it('makes the labelled snapshot through the rescue system and leaves no builder behind', async () => {
    expect(await api.images.list({ query: { type: ['snapshot'] } })).toEqual([]);
    const id: TalosImageId = { version: 'v1.13.10', schematic: DEFAULT_SCHEMATIC, arch: 'x86' };
    const progress: string[] = [];
    const image = await buildImage(api, options, {
      id,
      serverType: 'cx23',
      location: 'fsn1',
      run: 'run-1',
      where: 'image.talos-x86',
      progress: (message) => progress.push(message),
    });
    expect(image.status).toBe('available');
    expect(image.labels).toMatchObject({
      'hk8s.io/talos-version': 'v1.13.10',
      'hk8s.io/schematic': DEFAULT_SCHEMATIC.slice(0, 32),
      'hk8s.io/arch': 'x86',
    });
    expect(progress.some((m) => m.startsWith('write:'))).toBe(true);
    expect(await api.servers.list({ labelSelector: LABEL_IMAGE_BUILDER })).toEqual([]);
    expect(await api.sshKeys.list({ labelSelector: LABEL_IMAGE_BUILDER })).toEqual([]);

    const created = await api.servers.create(
      {
        name: 'from-built',
        server_type: 'cx23',
        location: 'fsn1',
        image: String(image.id),
        start_after_create: true,
        labels: { 'hk8s.io/address': 'server.from-built' },
      },
      'server.from-built',
      { where: 'test' },
    );
    const deadline = Date.now() + 15_000;
    while (talos.node(created.resource.id)?.record.phase !== 'maintenance' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(talos.node(created.resource.id)?.record.version).toBe('v1.13.10');
  });

  it('fails the download step for a version the factory does not have, and still cleans up', async () => {
    const id: TalosImageId = { version: 'v1.99.0', schematic: DEFAULT_SCHEMATIC, arch: 'x86' };
    await expect(
      buildImage(api, options, {
        id,
        serverType: 'cx23',
        location: 'fsn1',
        run: 'run-2',
        where: 'image.talos-x86',
        progress: () => undefined,
      }),
    ).rejects.toThrow(/step download failed.*exited 8.*404/s);
    expect(await api.servers.list({ labelSelector: LABEL_IMAGE_BUILDER })).toEqual([]);
    expect(await api.sshKeys.list({ labelSelector: LABEL_IMAGE_BUILDER })).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { buildImage, LABEL_IMAGE_BUILDER } from '../../../src/execute/image/builder.js';
import type { CommandResult, RescueShell, SshTarget } from '../../../src/execute/image/shell.js';
import type { HcloudApi } from '../../../src/providers/hcloud/index.js';
import type { TalosImageId } from '../../../src/resources/hcloud/image/model.js';

const ID: TalosImageId = {
  version: 'v1.13.9',
  schematic: 'ce4c980550dd2ab1b17bbf2b08801c7eb59418eafe8f279833297925d67c7515',
  arch: 'arm',
};

type Labelled = { id: number; labels: Record<string, string>; status?: string };

/** Just what the builder calls, in memory; every call is written down. */
function fakeApi(leftovers = false) {
  const calls: string[] = [];
  let next = 1;
  const servers: Labelled[] = [];
  const keys: Labelled[] = [];
  const images: Labelled[] = [];
  if (leftovers) {
    servers.push({ id: 900, labels: { [LABEL_IMAGE_BUILDER]: 'arm-v1.13.9-ce4c980550dd2ab1' } });
    keys.push({ id: 901, labels: { [LABEL_IMAGE_BUILDER]: 'arm-v1.13.9-ce4c980550dd2ab1' } });
  }
  const matching = (items: Labelled[], selector: string) =>
    items.filter((i) =>
      selector.split(',').every((term) => i.labels[term.split('=')[0] ?? ''] === term.split('=')[1]),
    );
  const none = { actions: [], verified: false };
  const api = {
    servers: {
      list: async ({ labelSelector }: { labelSelector: string }) => matching(servers, labelSelector),
      create: async (body: { labels: Record<string, string>; server_type: string }) => {
        calls.push(`create server ${body.server_type}`);
        const server = { id: next++, labels: body.labels, public_net: { ipv4: { ip: '127.0.9.9' } } };
        servers.push(server);
        return { resource: server, actions: [], adopted: false };
      },
      get: async (id: number) => servers.find((s) => s.id === id),
      delete: async (id: number) => {
        calls.push(`delete server ${id}`);
        servers.splice(
          servers.findIndex((s) => s.id === id),
          1,
        );
        return none;
      },
      enableRescue: async () => (calls.push('enable rescue'), none),
      poweron: async () => (calls.push('power on'), none),
      poweroff: async () => (calls.push('power off'), none),
      createImage: async (_id: number, body: { labels: Record<string, string> }) => {
        calls.push('create image');
        images.push({ id: 500, labels: body.labels, status: 'available' });
        return { image: undefined, actions: [] };
      },
    },
    sshKeys: {
      list: async ({ labelSelector }: { labelSelector: string }) => matching(keys, labelSelector),
      create: async (body: { labels: Record<string, string> }) => {
        calls.push('create key');
        const key = { id: next++, labels: body.labels };
        keys.push(key);
        return { resource: key, actions: [], adopted: false };
      },
      delete: async (id: number) => {
        calls.push(`delete key ${id}`);
        keys.splice(
          keys.findIndex((k) => k.id === id),
          1,
        );
        return none;
      },
    },
    images: {
      list: async ({ labelSelector }: { labelSelector: string }) => matching(images, labelSelector),
    },
    waitForActions: async () => [],
  };
  return { api: api as unknown as HcloudApi, calls, servers, keys, images };
}

function connector(answer: (command: string) => CommandResult) {
  const targets: SshTarget[] = [];
  let attempts = 0;
  const connect = async (target: SshTarget): Promise<RescueShell> => {
    targets.push(target);
    // The rescue system answers on the second try, as one that is still booting would.
    if (++attempts === 1) throw new Error('connect ECONNREFUSED');
    return { exec: async (command) => answer(command), close: () => undefined };
  };
  return { connect, targets };
}

const request = {
  serverType: 'cax11',
  location: 'fsn1',
  run: 'r1',
  where: 'image.talos-arm',
  progress: () => undefined,
};
const options = (connect: ReturnType<typeof connector>['connect']) => ({
  connect,
  sshPort: 2222,
  timing: { sshReadyMs: 60_000, sshRetryMs: 1 },
  sleep: async () => undefined,
});

describe('the image builder', () => {
  it('removes leftovers, builds in rescue, snapshots with the labels, and leaves no server or key', async () => {
    const cloud = fakeApi(true);
    const ssh = connector(() => ({ code: 0, stdout: '', stderr: '' }));
    const image = await buildImage(cloud.api, options(ssh.connect), { id: ID, ...request });
    expect(image.id).toBe(500);
    expect(cloud.calls).toEqual([
      'delete server 900',
      'delete key 901',
      'create key',
      'create server cax11',
      'enable rescue',
      'power on',
      'power off',
      'create image',
      'delete server 2',
      'delete key 1',
    ]);
    expect(ssh.targets.map((t) => `${t.host}:${t.port}`)).toEqual(['127.0.9.9:2222', '127.0.9.9:2222']);
    expect(ssh.targets[0]?.privateKey).toMatch(/BEGIN OPENSSH PRIVATE KEY/);
    expect(cloud.images[0]?.labels).toEqual({
      'hk8s.io/talos-version': 'v1.13.9',
      'hk8s.io/schematic': ID.schematic.slice(0, 32),
      'hk8s.io/arch': 'arm',
    });
    expect(cloud.servers).toEqual([]);
    expect(cloud.keys).toEqual([]);
  });

  it('a failed step stops before the snapshot and still removes the temporary server and key', async () => {
    const cloud = fakeApi();
    const ssh = connector((command) =>
      command.startsWith('xz -t')
        ? { code: 1, stdout: '', stderr: 'file is corrupt' }
        : { code: 0, stdout: '', stderr: '' },
    );
    await expect(buildImage(cloud.api, options(ssh.connect), { id: ID, ...request })).rejects.toThrow(
      /image build step check failed: .*file is corrupt/,
    );
    expect(cloud.calls).not.toContain('create image');
    expect(cloud.images).toEqual([]);
    expect(cloud.servers).toEqual([]);
    expect(cloud.keys).toEqual([]);
  });
});

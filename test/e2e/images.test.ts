/**
 * Talos images on a new project (issue "Images"), judged by the sandbox's own Hetzner API: the
 * first apply builds one snapshot per architecture its pools use and boots the servers from them; a
 * second cluster of the same version and schematic reuses them; a third with another schematic
 * builds its own, and a kill -9 in the middle of that build, then `resume`, leaves exactly one
 * snapshot per identity and no temporary server or key. `destroy` keeps images, `destroy
 * --include-images` removes one only when no other cluster's server boots from it, and `hk8s image
 * build | list | delete` do the same by hand.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QEMU_GUEST_AGENT, schematicIdOf } from '../../src/talos/config/schematic.js';
import { sandboxDirFor, workspace, type CliResult, type Workspace } from '../support/cli.js';
import { hcloud, sandboxOrigin } from '../support/sandbox-client.js';

const ISCSI = 'siderolabs/iscsi-tools';
/** qemu-guest-agent only: Hetzner's public Talos ISO, hk8s's default (talos.md §7). */
const DEFAULT_SCHEMATIC = 'ce4c980550dd2ab1b17bbf2b08801c7eb59418eafe8f279833297925d67c7515';

function spec(name: string, options: { arm?: boolean; extensions?: string[] } = {}): string {
  return `cluster: { name: ${name}, deleteProtection: false }
firewall: { apiSources: [127.0.0.1/32] }
talos: { version: v1.13.10, extensions: [${(options.extensions ?? []).join(', ')}] }
controlPlane:
  pools:
    - { name: cp, location: fsn1, type: cpx22, count: 1 }
workers:
  pools:
    - { name: w, location: fsn1, type: cpx32, count: 1 }
${options.arm ? '    - { name: a, location: fsn1, type: cax21, count: 1 }\n' : ''}`;
}

interface ApiImage {
  id: number;
  labels: Record<string, string>;
}
interface ApiServer {
  id: number;
  name: string;
  image: { id: number } | null;
  labels: Record<string, string>;
}

const ok = (r: CliResult, what: string) =>
  expect(r.code, `${what}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`).toBe(0);

describe('Talos images on a new Hetzner project', () => {
  const sandboxDir = sandboxDirFor('images');
  const spaces: Workspace[] = [];
  const cluster = (name: string, text: string) => {
    const ws = workspace({ sandboxDir, seedImages: false });
    ws.writeSpec(text);
    spaces.push(ws);
    return ws;
  };
  const talosImages = async () =>
    (await hcloud<{ images: ApiImage[] }>(sandboxDir, 'GET', '/images?type=snapshot')).images.filter(
      (i) => i.labels['hk8s.io/talos-version'] !== undefined,
    );
  const identities = async () =>
    (await talosImages())
      .map((i) => `${i.labels['hk8s.io/arch']}/${i.labels['hk8s.io/schematic']?.slice(0, 8)}`)
      .sort();
  const servers = async () => (await hcloud<{ servers: ApiServer[] }>(sandboxDir, 'GET', '/servers')).servers;
  const builders = async () => ({
    servers: (await servers()).filter((s) => s.labels['hk8s.io/image-builder'] !== undefined).length,
    keys: (
      await hcloud<{ ssh_keys: Array<{ labels: Record<string, string> }> }>(sandboxDir, 'GET', '/ssh_keys')
    ).ssh_keys.filter((k) => k.labels['hk8s.io/image-builder'] !== undefined).length,
  });

  const configure = async (body: Record<string, unknown>) => {
    const response = await fetch(`${sandboxOrigin(sandboxDir)}/_sandbox/config`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', connection: 'close' },
      body: JSON.stringify(body),
    });
    expect(response.ok).toBe(true);
  };

  let a: Workspace;
  beforeAll(() => {
    a = cluster('img-a', spec('img-a', { arm: true }));
    ok(a.run('sandbox', 'start', '--speed', '0.01'), 'sandbox start');
  });
  afterAll(() => {
    a?.run('sandbox', 'stop');
  });

  it('the first apply builds one image per architecture, then boots every server from its own', async () => {
    expect(await talosImages()).toEqual([]);
    const applied = a.run('apply', '--sandbox', '--auto-approve');
    ok(applied, 'apply a');
    expect(applied.stdout).toContain('image.talos-x86');
    expect(applied.stdout).toContain('image.talos-arm');
    const images = await talosImages();
    expect(images.map((i) => i.labels['hk8s.io/arch']).sort()).toEqual(['arm', 'x86']);
    const byArch = Object.fromEntries(images.map((i) => [i.labels['hk8s.io/arch'], i.id]));
    const nodes = (await servers()).filter((s) => s.labels['hk8s.io/cluster'] === 'img-a');
    expect(nodes).toHaveLength(3);
    for (const node of nodes)
      expect(node.image?.id, node.name).toBe(
        node.labels['hk8s.io/address']?.startsWith('server.a.') ? byArch.arm : byArch.x86,
      );
    expect(await builders()).toEqual({ servers: 0, keys: 0 });
    const status = JSON.parse(a.run('status', '--sandbox', '--json').stdout) as {
      nodes: Array<{ talosVersion?: string; schematic?: string }>;
    };
    expect(status.nodes.map((n) => n.talosVersion)).toEqual(['v1.13.10', 'v1.13.10', 'v1.13.10']);
    expect(status.nodes.map((n) => n.schematic)).toEqual(Array(3).fill(DEFAULT_SCHEMATIC));
    expect(a.run('plan', '--sandbox', '--detailed-exitcode').code).toBe(0);
  }, 300_000);

  it('a second cluster of the same version and schematic reuses them', async () => {
    const b = cluster('img-b', spec('img-b'));
    const applied = b.run('apply', '--sandbox', '--auto-approve');
    ok(applied, 'apply b');
    expect(applied.stdout).not.toContain('image.talos-x86');
    expect((await talosImages()).length).toBe(2);
  }, 300_000);

  it('another schematic builds its own; kill -9 mid-build, then resume, leaves one snapshot and no builder', async () => {
    const c = cluster('img-c', spec('img-c', { extensions: [ISCSI] }));
    // Slower, so that the temporary server lives long enough to be seen.
    await configure({ speed: 0.05 });
    const child = c.start('apply', '--sandbox', '--auto-approve');
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const log = join(c.dir, '.hk8s', 'img-c', 'events.jsonl');
    // Killed once the temporary server exists: the build is under way.
    for (let i = 0; i < 6000; i++) {
      const started = existsSync(log) && readFileSync(log, 'utf8').includes('"address":"image.talos-x86"');
      if (started && (await builders()).servers > 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect((await builders()).servers).toBe(1);
    child.kill('SIGKILL');
    await exited;
    await configure({ speed: 0.01 });
    ok(c.run('resume', '--sandbox', '--auto-approve'), 'resume c');
    expect(await builders()).toEqual({ servers: 0, keys: 0 });
    const ids = await identities();
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    expect(c.run('plan', '--sandbox', '--detailed-exitcode').code).toBe(0);
    const iscsi = schematicIdOf({
      extraKernelArgs: [],
      officialExtensions: [ISCSI, QEMU_GUEST_AGENT].sort(),
    });
    const status = JSON.parse(c.run('status', '--sandbox', '--json').stdout) as {
      nodes: Array<{ schematic?: string }>;
    };
    expect(status.nodes.map((n) => n.schematic)).toEqual([iscsi, iscsi]);
  }, 300_000);

  it('destroy keeps images; --include-images deletes one only when no other cluster uses it', async () => {
    const [, b, c] = spaces as [Workspace, Workspace, Workspace];
    ok(c.run('destroy', '--sandbox', '--auto-approve'), 'destroy c');
    expect((await talosImages()).length).toBe(3);
    const kept = b.run('destroy', '--sandbox', '--auto-approve', '--include-images');
    ok(kept, 'destroy b');
    expect(kept.stderr).toMatch(/Talos image image\.talos-x86 \(\d+\) is kept: img-a-\S+/);
    expect((await talosImages()).length).toBe(3);
    ok(a.run('destroy', '--sandbox', '--auto-approve', '--include-images'), 'destroy a');
    expect((await identities()).map((i) => i.split('/')[0])).toEqual(['x86']);
  }, 300_000);

  it('image build, list and delete do it by hand; a corrupt download fails the build clearly', async () => {
    await configure({ corruptDownloads: true });
    const corrupt = a.run('image', 'build', '--sandbox', '--auto-approve', '--arch', 'x86');
    await configure({ corruptDownloads: false });
    expect(corrupt.code).toBe(9);
    expect(corrupt.stderr).toMatch(/image build step check failed: the downloaded image is corrupt/);
    expect(await builders()).toEqual({ servers: 0, keys: 0 });
    const built = a.run('image', 'build', '--sandbox', '--auto-approve', '--json');
    ok(built, 'image build');
    const result = JSON.parse(built.stdout) as { built: Array<{ address: string }> };
    expect(result.built.map((b) => b.address).sort()).toEqual(['image.talos-arm', 'image.talos-x86']);
    const again = a.run('image', 'build', '--sandbox', '--auto-approve');
    ok(again, 'image build again');
    expect(again.stdout).toContain('No changes');
    const listed = JSON.parse(a.run('image', 'list', '--sandbox', '--json').stdout) as {
      images: Array<{ id: number; usedBy: string[] }>;
    };
    expect(listed.images).toHaveLength(3);
    expect(listed.images.every((i) => i.usedBy.length === 0)).toBe(true);
    const wrong = a.run('image', 'delete', '--sandbox', '424242');
    expect(wrong.code).toBe(3);
    expect(wrong.stderr.trim()).toMatch(/^Error: no Talos image with id 424242 in this project/);
    ok(a.run('image', 'delete', '--sandbox', '--unused', '--auto-approve'), 'image delete');
    expect(await talosImages()).toEqual([]);
  }, 300_000);
});

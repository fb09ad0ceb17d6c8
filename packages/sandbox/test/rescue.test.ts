/**
 * The rescue system over SSH: root logs in with the key given at enable_rescue, runs the image
 * builder's four commands (simulated, never executed), and a snapshot of the written disk boots the
 * Talos that was written — whatever its labels say. Also: who is refused, how the commands fail,
 * and that a new world has no Talos snapshots unless seeded.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// ssh2 is CommonJS: its named exports are reached through the default one.
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEEDED_SCHEMATIC } from '../src/catalog.js';
import { HOST_KEY_FILE } from '../src/rescue/ssh.js';
import { startSandboxServer, type RunningSandbox } from '../src/server.js';
import { TalosSimulator } from '../src/talos/simulator.js';
import { Api, startTestSandbox, type Json } from './helpers.js';

const SPEED = 0.002;
const TALOS_PORT = 45171;
const RESCUE_PORT = 45172;
const SCHEMATIC = 'a'.repeat(64);
const FILE = '/tmp/talos.raw.xz';
const url = (version: string, arch = 'amd64', schematic = SCHEMATIC) =>
  `https://factory.talos.dev/image/${schematic}/${version}/hcloud-${arch}.raw.xz`;
const COMMANDS = (u: string) => [
  `wget -q -O ${FILE} '${u}'`,
  `xz -t ${FILE} && xz -l --robot ${FILE}`,
  `set -o pipefail; xz -dc ${FILE} | dd of=/dev/sda bs=4M conv=fsync status=none`,
  'sync',
];

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

interface Shell {
  exec(command: string): Promise<Result>;
  close(): void;
}

function ssh(host: string, privateKey: string, username = 'root'): Promise<Shell> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    client
      .on('ready', () =>
        resolve({
          close: () => client.end(),
          exec: (command) =>
            new Promise((done, fail) => {
              client.exec(command, (error, stream) => {
                if (error) return fail(error);
                let stdout = '';
                let stderr = '';
                stream.on('data', (c: Buffer) => (stdout += c.toString()));
                stream.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
                stream.on('close', (code: number | null) => done({ code: code ?? 255, stdout, stderr }));
              });
            }),
        }),
      )
      .on('error', reject)
      .connect({ host, port: RESCUE_PORT, username, privateKey, readyTimeout: 5000 });
  });
}

let dir: string;
let api: Api;
let sandbox: RunningSandbox;
let talos: TalosSimulator;
let origin: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hk8s-rescue-'));
  talos = new TalosSimulator({ stateDir: dir, port: TALOS_PORT, speed: SPEED, log: () => {} });
  sandbox = await startSandboxServer({
    stateDir: dir,
    speed: SPEED,
    rescuePort: RESCUE_PORT,
    hooks: talos.hooks,
  });
  api = new Api(sandbox.url);
  origin = new URL(sandbox.url).origin;
});

afterAll(async () => {
  await sandbox.close();
  await talos.close();
  rmSync(dir, { recursive: true, force: true });
});

async function control(path: string, body: unknown): Promise<Json> {
  const res = await fetch(`${origin}/_sandbox/${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return res.json();
}

const world = async (): Promise<Json> => (await fetch(`${origin}/_sandbox/world`)).json();

let keyCount = 0;
async function newKey(): Promise<{ id: number; privateKey: string }> {
  const pair = ssh2.utils.generateKeyPairSync('ed25519');
  const res = await api.post('/ssh_keys', { name: `key-${++keyCount}`, public_key: pair.public });
  expect(res.status).toBe(201);
  return { id: res.body.ssh_key.id as number, privateKey: pair.private };
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function createServer(
  name: string,
  image: string,
  start: boolean,
): Promise<{ id: number; ip: string }> {
  const res = await api.post('/servers', {
    name,
    server_type: 'cx23',
    image,
    location: 'fsn1',
    start_after_create: start,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  await api.settle(res.body);
  return { id: res.body.server.id as number, ip: res.body.server.public_net.ipv4.ip as string };
}

/** A builder server: off, rescue enabled with `keyId`, powered on into rescue. */
async function rescueServer(name: string, keyId: number): Promise<{ id: number; ip: string }> {
  const server = await createServer(name, 'debian-12', false);
  await api.settle(
    (await api.post(`/servers/${server.id}/actions/enable_rescue`, { ssh_keys: [keyId] })).body,
  );
  await api.settle((await api.post(`/servers/${server.id}/actions/poweron`)).body);
  return server;
}

async function snapshot(serverId: number, labels: Record<string, string> = {}): Promise<number> {
  await api.settle((await api.post(`/servers/${serverId}/actions/poweroff`)).body);
  const made = await api.post(`/servers/${serverId}/actions/create_image`, { type: 'snapshot', labels });
  expect(made.status).toBe(201);
  await api.settle(made.body);
  return made.body.image.id as number;
}

describe('the rescue system over SSH', () => {
  it('writes Talos to the disk; a snapshot of it boots exactly that Talos, whatever its labels say', async () => {
    const key = await newKey();
    const builder = await rescueServer('builder-1', key.id);
    expect((await api.get(`/servers/${builder.id}`)).body.server.rescue_enabled).toBe(false);
    const shell = await ssh(builder.ip, key.privateKey);
    const results: Result[] = [];
    for (const command of COMMANDS(url('v1.12.11'))) results.push(await shell.exec(command));
    shell.close();
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    const totals = results[1]?.stdout.split('\n').find((l) => l.startsWith('totals'));
    expect(Number(totals?.split('\t')[4])).toBeGreaterThan(1_000_000_000);
    const written = (await world()).servers[builder.id];
    expect(written.disk).toEqual({ talos: { version: 'v1.12.11', schematic: SCHEMATIC, arch: 'x86' } });
    expect(statSync(join(dir, HOST_KEY_FILE)).mode & 0o777).toBe(0o600);

    const imageId = await snapshot(builder.id, { 'hk8s.io/talos-version': 'v1.12.11' });
    const view = (await api.get(`/images/${imageId}`)).body.image;
    expect(view).not.toHaveProperty('disk');
    expect((await world()).images[imageId].disk.talos.version).toBe('v1.12.11');
    // Labels are anyone's to edit: they do not change what is on the disk.
    await api.put(`/images/${imageId}`, { labels: { os: 'talos', talos_version: 'v1.13.9' } });

    const node = await createServer('from-snapshot', String(imageId), true);
    await waitFor('the node in maintenance', () => talos.node(node.id)?.record.phase === 'maintenance');
    expect(talos.node(node.id)?.record.version).toBe('v1.12.11');
    expect((await world()).servers[node.id].disk.talos.schematic).toBe(SCHEMATIC);
  });

  it('a snapshot of a disk Talos was never written to boots no Talos', async () => {
    const plain = await createServer('plain-1', 'debian-12', false);
    const imageId = await snapshot(plain.id, { os: 'talos', talos_version: 'v1.13.9' });
    const server = await createServer('from-plain', String(imageId), true);
    await new Promise((r) => setTimeout(r, 200));
    expect(talos.node(server.id)).toBeUndefined();
    expect((await world()).images[imageId].disk).toEqual({ talos: null });
  });

  it('refuses another key, another user, and servers not running rescue', async () => {
    const key = await newKey();
    const other = await newKey();
    const builder = await rescueServer('builder-2', key.id);
    await expect(ssh(builder.ip, other.privateKey)).rejects.toThrow(/authentication/i);
    await expect(ssh(builder.ip, key.privateKey, 'admin')).rejects.toThrow(/authentication/i);
    // A server that booted its disk (rescue never enabled) has no rescue SSH at all.
    const normal = await createServer('normal-1', 'debian-12', true);
    await expect(ssh(normal.ip, key.privateKey)).rejects.toThrow(/ECONNREFUSED/);
    // Enabled but not booted into: still its disk.
    await api.settle(
      (await api.post(`/servers/${normal.id}/actions/enable_rescue`, { ssh_keys: [key.id] })).body,
    );
    await expect(ssh(normal.ip, key.privateKey)).rejects.toThrow(/ECONNREFUSED/);
    // Powered off, the rescue system is gone.
    await api.settle((await api.post(`/servers/${builder.id}/actions/poweroff`)).body);
    await expect(ssh(builder.ip, key.privateKey)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('fails as the real commands do: 404, corrupt download, unknown command', async () => {
    const key = await newKey();
    const builder = await rescueServer('builder-3', key.id);
    const shell = await ssh(builder.ip, key.privateKey);
    try {
      const notFactory = await shell.exec(`wget -q -O ${FILE} 'https://example.com/talos.raw.xz'`);
      expect(notFactory.code).toBe(8);
      expect(notFactory.stderr).toContain('ERROR 404: Not Found.');
      const unknownVersion = await shell.exec(COMMANDS(url('v1.99.0'))[0] ?? '');
      expect(unknownVersion.code).toBe(8);
      const nothing = await shell.exec(COMMANDS(url('v1.13.9'))[1] ?? '');
      expect(nothing.code).toBe(1);

      await control('config', { corruptDownloads: true });
      expect((await shell.exec(COMMANDS(url('v1.13.9'))[0] ?? '')).code).toBe(0);
      const check = await shell.exec(COMMANDS(url('v1.13.9'))[1] ?? '');
      expect(check).toMatchObject({ code: 1, stderr: `xz: ${FILE}: Compressed data is corrupt\n` });
      await control('config', { corruptDownloads: false });

      const unknown = await shell.exec('rm -rf /');
      expect(unknown.code).toBe(127);
      expect(unknown.stderr).toContain('command not found');
      expect((await world()).servers[builder.id].disk).toEqual({ talos: null });
    } finally {
      shell.close();
    }
    const bad = await control('config', { corruptDownloads: 'yes' });
    expect(bad.error.code).toBe('invalid_input');
  });
});

describe('the Talos snapshots of a new world', () => {
  it('a new world has none, as a new Hetzner project', async () => {
    const t = await startTestSandbox({ seedImages: false });
    try {
      const snapshots = (await t.api.get('/images?type=snapshot')).body.images as Json[];
      expect(snapshots).toEqual([]);
      expect((await t.api.get('/images?type=system')).body.images.length).toBeGreaterThan(0);
    } finally {
      await t.close();
    }
  });

  it('a seeded world has them, each with the Talos its disk holds', async () => {
    const t = await startTestSandbox({ seedImages: true });
    try {
      const snapshots = (await t.api.get('/images?type=snapshot')).body.images as Json[];
      expect(snapshots.length).toBe(6);
      const dump = await t.control('GET', 'world');
      for (const image of snapshots) {
        expect(dump.images[image.id].disk.talos).toEqual({
          version: image.labels['hk8s.io/talos-version'],
          schematic: SEEDED_SCHEMATIC,
          arch: image.architecture,
        });
      }
    } finally {
      await t.close();
    }
  });
});

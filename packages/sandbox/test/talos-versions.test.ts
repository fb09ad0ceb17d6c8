/**
 * Talos images of every version the sandbox offers, and nodes that answer as that version does:
 * maintenance mode on 1.12 (a separate server: Version, Upgrade and Reset unimplemented) against
 * 1.13 (apid with os:reader: Version works, admin calls denied), LifecycleService and ImageService
 * only from 1.13, and upgrades that reboot into the installer image's version, each recorded per node
 * with the API that performed it.
 */
import {
  credentials,
  makeGenericClientConstructor,
  status,
  type ChannelCredentials,
  type Client,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TALOS_IMAGE_VERSIONS } from '../src/catalog.js';
import { parseMachineConfig } from '../src/talos/config.js';
import { startSandboxServer, type RunningSandbox } from '../src/server.js';
import { nodeServices } from '../src/talos/proto.js';
import { TalosSimulator } from '../src/talos/simulator.js';
import { readTalosState } from '../src/talos/stats-file.js';
import { Api, type Json } from './helpers.js';
import { createTestPki, machineConfig, talosClientCert, type TestPki } from './kube-pki.js';

const SPEED = 0.002;
const PORT = 45131;

interface Harness {
  dir: string;
  api: Api;
  sandbox: RunningSandbox;
  talos: TalosSimulator;
}

let h: Harness;
let pki: TestPki;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hk8s-talos-versions-'));
  const talos = new TalosSimulator({ stateDir: dir, port: PORT, speed: SPEED, log: () => {} });
  const sandbox = await startSandboxServer({
    stateDir: dir,
    speed: SPEED,
    seedImages: true,
    hooks: talos.hooks,
  });
  h = { dir, api: new Api(sandbox.url), sandbox, talos };
  pki = await createTestPki();
});

afterAll(async () => {
  await h.sandbox.close();
  await h.talos.close();
  rmSync(h.dir, { recursive: true, force: true });
});

async function imageOf(version: string, arch = 'amd64'): Promise<Json[]> {
  const selector = encodeURIComponent(`os=talos,talos_version=${version},arch=${arch}`);
  return (await h.api.get(`/images?type=snapshot&label_selector=${selector}`)).body.images as Json[];
}

async function createServer(
  name: string,
  version: string,
  userData?: string,
): Promise<{ id: number; ip: string }> {
  const [image] = await imageOf(version);
  const res = await h.api.post('/servers', {
    name,
    server_type: 'cx23',
    image: String(image.id),
    location: 'fsn1',
    ...(userData ? { user_data: userData } : {}),
  });
  if (res.status !== 201) throw new Error(`creating ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  await h.api.settle(res.body);
  return { id: res.body.server.id as number, ip: res.body.server.public_net.ipv4.ip as string };
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function waitPhase(id: number, phase: 'maintenance' | 'running'): Promise<void> {
  return waitFor(`server ${id} ${phase}`, () => {
    const node = h.talos.node(id);
    return node?.record.phase === phase && node.listening === true;
  });
}

type Service = 'machine' | 'lifecycle' | 'image';
const SERVICE_NAMES: Record<Service, string> = {
  machine: 'MachineService',
  lifecycle: 'LifecycleService',
  image: 'ImageService',
};

// Maintenance mode serves a self-signed certificate: talosctl --insecure skips verification.
const insecure = (): ChannelCredentials =>
  credentials.createSsl(null, null, null, { rejectUnauthorized: false });

async function admin(): Promise<ChannelCredentials> {
  const cert = await talosClientCert(pki, ['os:admin']);
  return credentials.createSsl(Buffer.from(pki.os.crt), Buffer.from(cert.key), Buffer.from(cert.crt));
}

function clientFor(ip: string, service: Service, creds: ChannelCredentials): Client {
  const definition: ServiceDefinition = nodeServices()[service];
  const Ctor = makeGenericClientConstructor(definition, SERVICE_NAMES[service]);
  return new Ctor(`${ip}:${PORT}`, creds);
}

type Outcome = { ok: true; messages: Json[] } | { ok: false; code: status; details: string };

/** One call, unary or server-streaming, as its outcome: the messages, or the gRPC status. */
function call(
  ip: string,
  service: Service,
  method: string,
  request: object,
  creds: ChannelCredentials,
): Promise<Outcome> {
  const client = clientFor(ip, service, creds);
  const methods = client as unknown as Record<string, (...args: unknown[]) => unknown>;
  const fn = methods[method];
  if (!fn) throw new Error(`no ${method} on ${service}`);
  const streaming = nodeServices()[service][method]?.responseStream === true;
  return new Promise<Outcome>((resolve) => {
    const fail = (error: { code?: status; details?: string }) =>
      resolve({ ok: false, code: error.code ?? status.UNKNOWN, details: error.details ?? '' });
    if (streaming) {
      const messages: Json[] = [];
      const stream = fn.call(client, request) as NodeJS.EventEmitter;
      stream.on('data', (m: Json) => messages.push(m));
      stream.on('error', fail);
      stream.on('end', () => resolve({ ok: true, messages }));
    } else {
      fn.call(client, request, (error: { code?: status; details?: string } | null, reply?: Json) =>
        error ? fail(error) : resolve({ ok: true, messages: [reply] }),
      );
    }
  }).finally(() => client.close());
}

/** The node's upgrade record, without the times. */
const upgradesOf = (id: number) =>
  (h.talos.node(id)?.record.upgrades ?? []).map(({ at: _at, ...rest }) => rest);

const INSTALLER = (version: string) =>
  `factory.talos.dev/hcloud-installer/376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba:${version}`;

describe('the Talos image catalog', () => {
  it('offers every version on both architectures, one image per label set', async () => {
    expect([...TALOS_IMAGE_VERSIONS]).toEqual(['v1.12.11', 'v1.13.9', 'v1.13.10']);
    for (const version of TALOS_IMAGE_VERSIONS) {
      for (const arch of ['amd64', 'arm64']) {
        const images = await imageOf(version, arch);
        expect(images, `${version} ${arch}`).toHaveLength(1);
        expect(images[0].labels).toMatchObject({ os: 'talos', talos_version: version, arch });
        expect(images[0].architecture).toBe(arch === 'amd64' ? 'x86' : 'arm');
        expect(images[0].description).toContain(version);
      }
    }
    expect(await imageOf('v1.14.0')).toEqual([]);
  });

  it('keeps the v1.13.9 image ids of earlier worlds', async () => {
    expect((await imageOf('v1.13.9', 'amd64'))[0].id).toBe(320000001);
    expect((await imageOf('v1.13.9', 'arm64'))[0].id).toBe(320000002);
  });
});

describe('maintenance mode per version', () => {
  const nodes: Record<string, { id: number; ip: string }> = {};

  beforeAll(async () => {
    for (const version of TALOS_IMAGE_VERSIONS) {
      nodes[version] = await createServer(`maint-${version.replace(/\./g, '-')}`, version);
    }
    await Promise.all(Object.values(nodes).map((n) => waitPhase(n.id, 'maintenance')));
  });

  it.each(TALOS_IMAGE_VERSIONS.map((v) => [v]))('%s boots the version of its image', (version) => {
    expect(h.talos.node(nodes[version]!.id)?.record.version).toBe(version);
  });

  it('1.12 answers Version, Upgrade and Reset with Unimplemented, as its maintenance server does', async () => {
    const ip = nodes['v1.12.11']!.ip;
    for (const [method, request] of [
      ['Version', {}],
      ['Upgrade', { image: INSTALLER('v1.13.10') }],
      ['Reset', { graceful: false, reboot: true }],
    ] as const) {
      expect(await call(ip, 'machine', method, request, insecure()), method).toEqual({
        ok: false,
        code: status.UNIMPLEMENTED,
        details: 'API is not implemented in maintenance mode',
      });
    }
  });

  it('1.12 has no LifecycleService or ImageService, even in maintenance mode', async () => {
    const ip = nodes['v1.12.11']!.ip;
    const lifecycle = await call(ip, 'lifecycle', 'Upgrade', { source: { imageName: 'x' } }, insecure());
    const image = await call(ip, 'image', 'Pull', { imageRef: 'x' }, insecure());
    expect(lifecycle).toMatchObject({ ok: false, code: status.UNIMPLEMENTED });
    expect(image).toMatchObject({ ok: false, code: status.UNIMPLEMENTED });
  });

  it.each([['v1.13.9'], ['v1.13.10']])(
    '%s answers Version in maintenance mode and denies admin calls',
    async (version) => {
      const ip = nodes[version]!.ip;
      const answer = await call(ip, 'machine', 'Version', {}, insecure());
      expect(answer.ok && answer.messages[0].messages[0].version.tag).toBe(version);
      for (const [service, method, request] of [
        ['machine', 'Upgrade', { image: INSTALLER('v1.13.10') }],
        ['machine', 'Reset', { graceful: false, reboot: true }],
        ['machine', 'Reboot', {}],
        ['lifecycle', 'Upgrade', { source: { imageName: INSTALLER('v1.13.10') } }],
      ] as const) {
        expect(await call(ip, service, method, request, insecure()), `${service} ${method}`).toMatchObject({
          ok: false,
          code: status.PERMISSION_DENIED,
        });
      }
    },
  );

  it('accepts a config in maintenance mode on either version', async () => {
    for (const version of ['v1.12.11', 'v1.13.9']) {
      const config = machineConfig(pki, {
        type: 'controlplane',
        clusterId: `maint-${version}`,
        clusterName: 'maint',
        endpoint: 'https://10.0.1.100:6443',
      });
      const answer = await call(
        nodes[version]!.ip,
        'machine',
        'ApplyConfiguration',
        { data: Buffer.from(config), mode: 'REBOOT' },
        insecure(),
      );
      expect(answer.ok, `${version}: ${JSON.stringify(answer)}`).toBe(true);
      await waitPhase(nodes[version]!.id, 'running');
    }
  });
});

describe('configured nodes per version', () => {
  // A control plane signs its own apid certificate (a lone worker would wait for trustd); without
  // a bootstrapped etcd it has no members for the upgrade's quorum check to count.
  const controlPlane = (cluster: string) =>
    Buffer.from(
      machineConfig(pki, {
        type: 'controlplane',
        clusterId: cluster,
        clusterName: cluster,
        endpoint: 'https://10.0.1.100:6443',
      }),
    ).toString('base64');

  it('1.12 upgrades through the legacy call and reboots into the installer version, then has the 1.13 services', async () => {
    const node = await createServer('old-cp', 'v1.12.11', controlPlane('old'));
    await waitPhase(node.id, 'running');
    const creds = await admin();
    const version = await call(node.ip, 'machine', 'Version', {}, creds);
    expect(version.ok && version.messages[0].messages[0].version.tag).toBe('v1.12.11');
    expect(await call(node.ip, 'image', 'Pull', { imageRef: INSTALLER('v1.13.10') }, creds)).toMatchObject({
      ok: false,
      code: status.UNIMPLEMENTED,
      details: 'unknown service machine.ImageService',
    });
    expect(
      await call(node.ip, 'lifecycle', 'Upgrade', { source: { imageName: INSTALLER('v1.13.10') } }, creds),
    ).toMatchObject({
      ok: false,
      code: status.UNIMPLEMENTED,
      details: 'unknown service machine.LifecycleService',
    });

    const ack = await call(node.ip, 'machine', 'Upgrade', { image: INSTALLER('v1.13.10') }, creds);
    expect(ack.ok && ack.messages[0].messages[0].ack).toBe('Upgrade request received');
    // A second call while the first installs is refused, and is not an upgrade the node performed.
    expect(await call(node.ip, 'machine', 'Upgrade', { image: INSTALLER('v1.13.10') }, creds)).toMatchObject({
      ok: false,
      code: status.FAILED_PRECONDITION,
    });
    expect(upgradesOf(node.id)).toEqual([
      { api: 'MachineService.Upgrade', from: 'v1.12.11', to: 'v1.13.10', image: INSTALLER('v1.13.10') },
    ]);
    await waitFor('the upgrade to take', () => h.talos.node(node.id)?.record.version === 'v1.13.10');
    await waitPhase(node.id, 'running');
    const after = await call(node.ip, 'machine', 'Version', {}, creds);
    expect(after.ok && after.messages[0].messages[0].version.tag).toBe('v1.13.10');
    const pulled = await call(node.ip, 'image', 'Pull', { imageRef: INSTALLER('v1.13.10') }, creds);
    expect(pulled.ok && pulled.messages.at(-1).name).toBe(INSTALLER('v1.13.10'));
    // The record survives on disk, where tests outside the sandbox process read it.
    const stored = readTalosState(h.dir).nodes.find((n) => n.serverId === node.id);
    expect(stored?.upgrades.map((u) => `${u.api} ${u.from}→${u.to}`)).toEqual([
      'MachineService.Upgrade v1.12.11→v1.13.10',
    ]);
  });

  it('1.13 upgrades through ImageService.Pull and LifecycleService.Upgrade, active after the reboot', async () => {
    const node = await createServer('new-cp', 'v1.13.9', controlPlane('new'));
    await waitPhase(node.id, 'running');
    const creds = await admin();
    const image = INSTALLER('v1.13.10');
    expect((await call(node.ip, 'image', 'Pull', { imageRef: image }, creds)).ok).toBe(true);
    const upgrade = await call(node.ip, 'lifecycle', 'Upgrade', { source: { imageName: image } }, creds);
    expect(upgrade.ok && upgrade.messages.at(-1).progress.exitCode).toBe(0);
    expect(h.talos.node(node.id)?.record.version).toBe('v1.13.9');
    expect(upgradesOf(node.id)).toEqual([
      { api: 'LifecycleService.Upgrade', from: 'v1.13.9', to: 'v1.13.10', image },
    ]);
    const bootsBefore = h.talos.node(node.id)?.record.bootCount ?? 0;
    expect((await call(node.ip, 'machine', 'Reboot', {}, creds)).ok).toBe(true);
    await waitFor('the reboot', () => (h.talos.node(node.id)?.record.bootCount ?? 0) > bootsBefore);
    await waitPhase(node.id, 'running');
    const after = await call(node.ip, 'machine', 'Version', {}, creds);
    expect(after.ok && after.messages[0].messages[0].version.tag).toBe('v1.13.10');
  });
});

describe('config validation per version', () => {
  const withEncryption = (options: string[]) =>
    `${machineConfig(pki, { type: 'controlplane', clusterId: 'e', clusterName: 'e', endpoint: 'https://10.0.1.100:6443' })}---\n` +
    `apiVersion: v1alpha1\nkind: VolumeConfig\nname: STATE\nencryption:\n  provider: luks2\n` +
    `  keys:\n    - slot: 0\n      nodeID: {}\n  options: ${JSON.stringify(options)}\n`;

  it.each([['v1.12.11'], ['v1.13.9']])(
    '%s takes LUKS2 performance options as a list of allowed values, as Talos parses them',
    (version) => {
      expect(() =>
        parseMachineConfig(withEncryption(['no_read_workqueue', 'no_write_workqueue']), version),
      ).not.toThrow();
    },
  );

  it('1.12 still refuses an option it does not know', () => {
    expect(() => parseMachineConfig(withEncryption(['bogus']), 'v1.12.11')).toThrow(/encryption\.options/);
  });
});

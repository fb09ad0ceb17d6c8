/**
 * The COSI resource API of simulated nodes: a node booted from a snapshot whose disk records a
 * schematic reports it as the `schematic` ExtensionStatus (Get and List), on mTLS with os:reader
 * and in maintenance mode; an upgrade to another schematic's factory installer changes it. Talos's
 * refusals: an unknown type or namespace, `nodes` (one-to-many) targeting, a missing id.
 */
import {
  credentials,
  makeGenericClientConstructor,
  Metadata,
  status,
  type ChannelCredentials,
  type Client,
} from '@grpc/grpc-js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEEDED_SCHEMATIC } from '../src/catalog.js';
import { startSandboxServer, type RunningSandbox } from '../src/server.js';
import { nodeServices } from '../src/talos/proto.js';
import { TalosSimulator } from '../src/talos/simulator.js';
import { Api, type Json } from './helpers.js';
import { createTestPki, machineConfig, talosClientCert, type TestPki } from './kube-pki.js';

const SPEED = 0.002;
const PORT = 45191;
const TYPE = 'ExtensionStatuses.runtime.talos.dev';
const VANILLA = '376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba';

let dir: string;
let api: Api;
let sandbox: RunningSandbox;
let talos: TalosSimulator;
let pki: TestPki;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hk8s-talos-cosi-'));
  talos = new TalosSimulator({ stateDir: dir, port: PORT, speed: SPEED, log: () => {} });
  sandbox = await startSandboxServer({ stateDir: dir, speed: SPEED, seedImages: true, hooks: talos.hooks });
  api = new Api(sandbox.url);
  pki = await createTestPki();
});

afterAll(async () => {
  await sandbox.close();
  await talos.close();
  rmSync(dir, { recursive: true, force: true });
});

async function createServer(name: string, userData?: string): Promise<{ id: number; ip: string }> {
  const selector = encodeURIComponent('os=talos,talos_version=v1.13.9,arch=amd64');
  const [image] = (await api.get(`/images?type=snapshot&label_selector=${selector}`)).body.images as Json[];
  const res = await api.post('/servers', {
    name,
    server_type: 'cx23',
    image: String(image.id),
    location: 'fsn1',
    ...(userData ? { user_data: userData } : {}),
  });
  if (res.status !== 201) throw new Error(`creating ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  await api.settle(res.body);
  return { id: res.body.server.id as number, ip: res.body.server.public_net.ipv4.ip as string };
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const waitPhase = (id: number, phase: 'maintenance' | 'running') =>
  waitFor(`server ${id} ${phase}`, () => {
    const node = talos.node(id);
    return node?.record.phase === phase && node.listening === true;
  });

async function withRoles(roles: string[]): Promise<ChannelCredentials> {
  const cert = await talosClientCert(pki, roles);
  return credentials.createSsl(Buffer.from(pki.os.crt), Buffer.from(cert.key), Buffer.from(cert.crt));
}
const insecure = () => credentials.createSsl(null, null, null, { rejectUnauthorized: false });

function stateClient(ip: string, creds: ChannelCredentials): Client {
  const Ctor = makeGenericClientConstructor(nodeServices().cosi, 'State');
  return new Ctor(`${ip}:${PORT}`, creds);
}

type Outcome = { ok: true; messages: Json[] } | { ok: false; code: status; details: string };

function cosi(
  ip: string,
  method: 'Get' | 'List',
  request: object,
  creds: ChannelCredentials,
  metadata = new Metadata(),
): Promise<Outcome> {
  const client = stateClient(ip, creds);
  const fn = (client as unknown as Record<string, (...args: unknown[]) => unknown>)[method]!;
  return new Promise<Outcome>((resolve) => {
    const fail = (error: { code?: status; details?: string }) =>
      resolve({ ok: false, code: error.code ?? status.UNKNOWN, details: error.details ?? '' });
    if (method === 'List') {
      const messages: Json[] = [];
      const stream = fn.call(client, request, metadata) as NodeJS.EventEmitter;
      stream.on('data', (m: Json) => messages.push(m));
      stream.on('error', fail);
      stream.on('end', () => resolve({ ok: true, messages }));
    } else {
      fn.call(client, request, metadata, (error: { code?: status; details?: string } | null, reply?: Json) =>
        error ? fail(error) : resolve({ ok: true, messages: [reply] }),
      );
    }
  }).finally(() => client.close());
}

/** The schematic ids a List of ExtensionStatuses reports, from each spec's YAML. */
async function schematicsOf(ip: string, creds: ChannelCredentials): Promise<string[]> {
  const listed = await cosi(ip, 'List', { namespace: 'runtime', type: TYPE }, creds);
  if (!listed.ok) throw new Error(`List: ${listed.details}`);
  return listed.messages
    .map((m) => String(m.resource.spec.yamlSpec))
    .filter((yaml) => /\n {2}name: schematic\n/.test(yaml))
    .map((yaml) => /\n {2}version: ([0-9a-f]+)\n/.exec(yaml)?.[1] ?? '');
}

const controlPlane = (cluster: string) =>
  Buffer.from(
    machineConfig(pki, {
      type: 'controlplane',
      clusterId: cluster,
      clusterName: cluster,
      endpoint: 'https://10.0.1.100:6443',
    }),
  ).toString('base64');

describe('cosi.resource.State', () => {
  it('reports the schematic of the disk in maintenance mode', async () => {
    const node = await createServer('cosi-maint');
    await waitPhase(node.id, 'maintenance');
    expect(await schematicsOf(node.ip, insecure())).toEqual([SEEDED_SCHEMATIC]);
  });

  it('Get and List return the schematic ExtensionStatus to os:reader, and Talos refusals otherwise', async () => {
    const node = await createServer('cosi-cp', controlPlane('cosi'));
    await waitPhase(node.id, 'running');
    const reader = await withRoles(['os:reader']);

    const got = await cosi(node.ip, 'Get', { namespace: 'runtime', type: TYPE, id: '0' }, reader);
    expect(got.ok).toBe(true);
    const resource = got.ok ? got.messages[0].resource : undefined;
    expect(resource.metadata).toMatchObject({ namespace: 'runtime', type: TYPE, id: '0', phase: 'running' });
    expect(resource.spec.yamlSpec).toContain(
      `metadata:\n  name: schematic\n  version: ${SEEDED_SCHEMATIC}\n`,
    );
    expect(await schematicsOf(node.ip, reader)).toEqual([SEEDED_SCHEMATIC]);

    // A known type in another namespace lists nothing; a missing id is NOT_FOUND.
    const elsewhere = await cosi(node.ip, 'List', { namespace: 'network', type: TYPE }, reader);
    expect(elsewhere).toEqual({ ok: true, messages: [] });
    expect(await cosi(node.ip, 'Get', { namespace: 'runtime', type: TYPE, id: '7' }, reader)).toMatchObject({
      ok: false,
      code: status.NOT_FOUND,
    });
    // Talos's API access policy: no definition, no namespace → PERMISSION_DENIED, for Get and List.
    for (const method of ['Get', 'List'] as const) {
      expect(
        await cosi(node.ip, method, { namespace: 'runtime', type: 'Bogus.talos.dev', id: '0' }, reader),
      ).toEqual({
        ok: false,
        code: status.PERMISSION_DENIED,
        details: 'resource type "Bogus.talos.dev" is not supported',
      });
      expect(await cosi(node.ip, method, { namespace: 'nowhere', type: TYPE, id: '0' }, reader)).toEqual({
        ok: false,
        code: status.PERMISSION_DENIED,
        details: 'namespace "nowhere" is not supported',
      });
    }
    // COSI goes to one node: `node` is routed, `nodes` refused.
    const one = new Metadata();
    one.set('node', node.ip);
    expect((await cosi(node.ip, 'List', { namespace: 'runtime', type: TYPE }, reader, one)).ok).toBe(true);
    const many = new Metadata();
    many.add('nodes', node.ip);
    expect(await cosi(node.ip, 'List', { namespace: 'runtime', type: TYPE }, reader, many)).toMatchObject({
      ok: false,
      code: status.INVALID_ARGUMENT,
    });
    // A certificate without a Talos role reads nothing.
    expect(
      await cosi(node.ip, 'List', { namespace: 'runtime', type: TYPE }, await withRoles(['nobody'])),
    ).toMatchObject({
      ok: false,
      code: status.PERMISSION_DENIED,
    });
  });

  it("reports the installer's schematic after an upgrade to another schematic", async () => {
    const node = await createServer('cosi-up', controlPlane('cosi-up'));
    await waitPhase(node.id, 'running');
    const admin = await withRoles(['os:admin']);
    const machine = new (makeGenericClientConstructor(nodeServices().machine, 'MachineService'))(
      `${node.ip}:${PORT}`,
      admin,
    );
    const image = `factory.talos.dev/installer/${VANILLA}:v1.13.10`;
    await new Promise<void>((resolve, reject) =>
      (machine as unknown as Record<string, (...a: unknown[]) => void>)['Upgrade']!.call(
        machine,
        { image },
        (error: Error | null) => (error ? reject(error) : resolve()),
      ),
    );
    machine.close();
    const bootsBefore = talos.node(node.id)?.record.bootCount ?? 0;
    await waitFor('the upgrade to reboot', () => (talos.node(node.id)?.record.bootCount ?? 0) > bootsBefore);
    await waitPhase(node.id, 'running');
    expect(talos.node(node.id)?.record.version).toBe('v1.13.10');
    expect(await schematicsOf(node.ip, admin)).toEqual([VANILLA]);
  });
});

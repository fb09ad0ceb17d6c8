/**
 * Harness for the Kubernetes sandbox tests: the Hetzner sandbox with its Talos nodes and the
 * Kubernetes simulation (as main.ts wires them), a cluster of Talos servers created through the
 * cloud API from machine configs, bootstrapped over the Talos API, and the real kubectl.
 */
import { credentials, makeGenericClientConstructor, type Client } from '@grpc/grpc-js';
import { execFile } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { KubeSimulator } from '../src/kube/index.js';
import { startSandboxServer, type RunningSandbox } from '../src/server.js';
import { nodeServices } from '../src/talos/proto.js';
import { TalosSimulator } from '../src/talos/simulator.js';
import { VipController } from '../src/talos/vip.js';
import { Api, type Json } from './helpers.js';
import {
  createTestPki,
  kubeClientCert,
  machineConfig,
  talosClientCert,
  type PemPair,
  type TestPki,
} from './kube-pki.js';

export const SPEED = 0.01;
const TALOS_IMAGE = 320000001;

export interface KubeHarness {
  dir: string;
  api: Api;
  sandbox: RunningSandbox;
  talos: TalosSimulator;
  kube: KubeSimulator;
  vip: VipController;
  origin: string;
  close(): Promise<void>;
}

/** As main.ts wires them; `token` makes the cloud accept only that bearer token. */
export async function startKubeHarness(options: { token?: string } = {}): Promise<KubeHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'hk8s-kube-'));
  const talos = new TalosSimulator({ stateDir: dir, speed: SPEED, log: () => {} });
  const kube = new KubeSimulator({ stateDir: dir, talos, speed: SPEED, log: (m) => console.error(m) });
  const vip = new VipController({ nodes: talos, speed: SPEED, log: () => {} });
  const sandbox = await startSandboxServer({
    stateDir: dir,
    speed: SPEED,
    seedImages: true,
    hooks: { ...talos.hooks, ...kube.hooks },
    control: (method, path, body) => kube.control(method, path, body) ?? vip.control(method, path),
    ...(options.token ? { token: options.token } : {}),
  });
  vip.connect(sandbox.cloud);
  return {
    dir,
    api: new Api(sandbox.url, options.token),
    sandbox,
    talos,
    kube,
    vip,
    origin: new URL(sandbox.url).origin,
    async close() {
      vip.close();
      await sandbox.close();
      await kube.close();
      await talos.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface TestCluster {
  id: string;
  name: string;
  pki: TestPki;
  /** Server name → { id, ip }. */
  servers: Map<string, { id: number; ip: string }>;
  controlPlanes: string[];
  workers: string[];
}

export async function createServerWithConfig(
  h: KubeHarness,
  name: string,
  userData: string,
  extra: Record<string, unknown> = {},
): Promise<{ id: number; ip: string }> {
  const res = await h.api.post('/servers', {
    name,
    server_type: 'cx23',
    image: String(TALOS_IMAGE),
    location: 'fsn1',
    user_data: userData,
    ...extra,
  });
  if (res.status !== 201) throw new Error(`creating ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  await h.api.settle(res.body);
  return { id: res.body.server.id as number, ip: res.body.server.public_net.ipv4.ip as string };
}

/**
 * Control planes cp-1…, workers worker-1…; CP 1 is bootstrapped and a CNI installed; resolves when
 * every Node is Ready (with `cni: false`, once bootstrapped: the nodes stay NotReady).
 */
export async function createCluster(
  h: KubeHarness,
  name: string,
  cps: number,
  workers: number,
  version = 'v1.32.4',
  setup: { cni?: boolean } = {},
): Promise<TestCluster> {
  const pki = await createTestPki();
  const cluster: TestCluster = {
    id: `${name}-id`,
    name,
    pki,
    servers: new Map(),
    controlPlanes: [],
    workers: [],
  };
  const options = {
    clusterId: cluster.id,
    clusterName: name,
    endpoint: 'https://10.0.1.100:6443',
    kubernetesVersion: version,
  };
  const make = async (role: 'controlplane' | 'worker', n: number) => {
    const serverName = role === 'controlplane' ? `${name}-cp-${n}` : `${name}-worker-${n}`;
    const server = await createServerWithConfig(
      h,
      serverName,
      machineConfig(pki, { type: role, ...options }),
    );
    cluster.servers.set(serverName, server);
    (role === 'controlplane' ? cluster.controlPlanes : cluster.workers).push(serverName);
  };
  await Promise.all([
    ...Array.from({ length: cps }, (_, i) => make('controlplane', i + 1)),
    ...Array.from({ length: workers }, (_, i) => make('worker', i + 1)),
  ]);
  await waitFor('talos nodes running', () =>
    [...cluster.servers.values()].every(
      (s) => h.talos.node(s.id)?.record.phase === 'running' && h.talos.node(s.id)?.listening,
    ),
  );
  const first = cluster.servers.get(cluster.controlPlanes[0] ?? '');
  if (!first) throw new Error('no control plane');
  await bootstrap(h, pki, first.ip);
  if (setup.cni === false) return cluster;
  await installCni(h, cluster.id);
  await waitFor('all nodes Ready', () => readyNodes(h, cluster.id) === cps + workers);
  return cluster;
}

/** A CNI as the sandbox recognises one (src/kube/cni.ts): a DaemonSet of Cilium agents. */
export function cniDaemonSet(): Json {
  const labels = { 'k8s-app': 'cilium', 'app.kubernetes.io/name': 'cilium-agent' };
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'cilium', namespace: 'kube-system', labels },
    spec: {
      selector: { matchLabels: { 'k8s-app': 'cilium' } },
      template: {
        metadata: { labels },
        spec: {
          hostNetwork: true,
          tolerations: [{ operator: 'Exists' }],
          containers: [{ name: 'cilium-agent', image: 'quay.io/cilium/cilium:v1.19.6' }],
        },
      },
    },
  };
}

/** Installs the CNI once the cluster's API serves (nodes stay NotReady until it runs). */
export async function installCni(h: KubeHarness, clusterId: string): Promise<void> {
  await waitFor('the Kubernetes API', () => h.kube.cluster(clusterId)?.store.bootstrapped === true);
  const objects = h.kube.cluster(clusterId)?.objects;
  const type = objects?.catalog.find('apps', 'v1', 'daemonsets');
  if (!objects || !type) throw new Error('no cluster');
  objects.createAs(type, cniDaemonSet() as never, 'kubectl');
}

export function readyNodes(h: KubeHarness, clusterId: string): number {
  const objects = h.kube.cluster(clusterId)?.objects;
  if (!objects) return 0;
  const nodes = objects.list(objects.catalog.find('', 'v1', 'nodes') ?? objects.catalog.all()[0]!);
  return nodes.filter((n) =>
    (n['status'] as Json)?.conditions?.some((c: Json) => c.type === 'Ready' && c.status === 'True'),
  ).length;
}

/** One MachineService call over mTLS with an os:admin certificate, as talosctl makes it. */
export async function talosCall(
  h: KubeHarness,
  pki: TestPki,
  ip: string,
  method: string,
  request: object,
): Promise<Json> {
  const cert = await talosClientCert(pki, ['os:admin']);
  const Ctor = makeGenericClientConstructor(nodeServices().machine, 'MachineService');
  const client: Client = new Ctor(
    `${ip}:${h.talos.port}`,
    credentials.createSsl(Buffer.from(pki.os.crt), Buffer.from(cert.key), Buffer.from(cert.crt)),
  );
  try {
    return await new Promise<Json>((resolve, reject) => {
      // A generic gRPC client has its methods only at run time (from the service definition).
      const methods = client as unknown as Record<
        string,
        (req: object, cb: (e: Error | null, reply?: Json) => void) => void
      >;
      const call = methods[method];
      if (!call) return reject(new Error(`no ${method} method`));
      call.call(client, request, (error, reply) => (error ? reject(error) : resolve(reply)));
    });
  } finally {
    client.close();
  }
}

export async function bootstrap(h: KubeHarness, pki: TestPki, ip: string): Promise<void> {
  await talosCall(h, pki, ip, 'Bootstrap', {});
}

export interface Kubectl {
  file: string;
  run(args: string[], timeoutMs?: number): Promise<{ code: number; stdout: string; stderr: string }>;
}

/** A kubeconfig for `server` (https://ip:6443) with a client certificate of `ca` (default: the cluster's). */
export async function kubectlFor(
  h: KubeHarness,
  pki: TestPki,
  ip: string,
  user: { name: string; groups: string[]; ca?: PemPair } = { name: 'admin', groups: ['system:masters'] },
): Promise<Kubectl> {
  const dir = mkdtempSync(join(h.dir, 'kubectl-'));
  const cert = await kubeClientCert(user.ca ?? pki.k8s, user.name, user.groups);
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const file = join(dir, 'kubeconfig');
  writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'sim',
          cluster: { server: `https://${ip}:${h.kube.port}`, 'certificate-authority-data': b64(pki.k8s.crt) },
        },
      ],
      users: [
        {
          name: 'admin',
          user: { 'client-certificate-data': b64(cert.crt), 'client-key-data': b64(cert.key) },
        },
      ],
      contexts: [{ name: 'admin@sim', context: { cluster: 'sim', user: 'admin', namespace: 'default' } }],
      'current-context': 'admin@sim',
    }),
    { mode: 0o600 },
  );
  return {
    file,
    run(args, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        execFile(
          'kubectl',
          ['--kubeconfig', file, '--cache-dir', join(dir, 'cache'), ...args],
          { timeout: timeoutMs, env: { ...process.env, HOME: dir } },
          (error, stdout, stderr) => {
            if (error && typeof error.code !== 'number') return reject(error);
            resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
          },
        );
      });
    },
  };
}

/** GET/POST on the sandbox's control endpoints. */
export async function control(h: KubeHarness, method: string, path: string): Promise<Json> {
  const res = await fetch(`${h.origin}/_sandbox/${path}`, { method });
  return res.json();
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Json;
  text: string;
}

/** One HTTPS request to a simulated API server (no kubectl), optionally with a client certificate. */
export function rawRequest(
  url: string,
  options: {
    ca: string;
    client?: PemPair;
    method?: string;
    body?: unknown;
    headers?: Record<string, string>;
  },
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = httpsRequest(
      url,
      {
        method: options.method ?? 'GET',
        ca: options.ca,
        ...(options.client ? { cert: options.client.crt, key: options.client.key } : {}),
        headers: { ...(body ? { 'Content-Type': 'application/json' } : {}), ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: Json;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed, text });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * The client-node adapter against a loopback HTTPS server that requires a client certificate from
 * the cluster CA: the requests it sends (method, path, query, content type, body) and how it reads
 * the answers (Status errors, 404s, timeouts, aborts).
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeApi } from '../../../src/providers/kube/api.js';
import { KubeApiError, KubeError } from '../../../src/providers/kube/errors.js';
import { createClientNodeApi, createKubeClient } from '../../../src/providers/kube/index.js';
import { createKubePki, kubeconfig, type KubePki } from './kube-pki.js';

interface Recorded {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType?: string;
  body: string;
  clientCN?: string;
  clientO?: string;
}

const status = (code: number, extra: object = {}) => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: code < 300 ? 'Success' : 'Failure',
  code,
  ...extra,
});

const nodeJson = (name: string, unschedulable?: boolean) => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, uid: `uid-${name}`, creationTimestamp: '2026-01-01T00:00:00Z' },
  spec: { providerID: 'hcloud://42', ...(unschedulable ? { unschedulable } : {}) },
  status: {
    conditions: [
      { type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: '2026-01-01T00:00:00Z' },
    ],
    nodeInfo: { kubeletVersion: 'v1.36.3', osImage: 'Talos (v1.13.9)' },
  },
});

const resourceList = (groupVersion: string, resources: Array<[string, string, boolean]>) => ({
  kind: 'APIResourceList',
  apiVersion: 'v1',
  groupVersion,
  resources: resources.map(([name, kind, namespaced]) => ({
    name,
    singularName: kind.toLowerCase(),
    kind,
    namespaced,
    verbs: ['get', 'list', 'patch', 'delete'],
  })),
});

const TOO_MANY = status(429, {
  message: "Cannot evict pod as it would violate the pod's disruption budget.",
  reason: 'TooManyRequests',
  details: {
    causes: [
      {
        reason: 'DisruptionBudget',
        message: 'The disruption budget web-pdb needs 2 healthy pods and has 2 currently',
      },
    ],
  },
});

type Answer = [number, unknown] | 'hang';

function route(method: string, path: string, body: string): Answer {
  const key = `${method} ${path}`;
  switch (key) {
    case 'GET /version':
      return [200, { major: '1', minor: '36', gitVersion: 'v1.36.3', platform: 'linux/amd64' }];
    case 'GET /api/v1/nodes':
      return [
        200,
        { kind: 'NodeList', apiVersion: 'v1', metadata: {}, items: [nodeJson('w1'), nodeJson('w2')] },
      ];
    case 'GET /api/v1/nodes/w1':
      return [200, nodeJson('w1')];
    case 'GET /api/v1/nodes/slow':
      return 'hang';
    case 'PATCH /api/v1/nodes/w1':
      return [200, nodeJson('w1', true)];
    case 'DELETE /api/v1/nodes/w1':
      return [200, status(200, { details: { name: 'w1', kind: 'nodes' } })];
    case 'DELETE /api/v1/nodes/w9':
    case 'GET /api/v1/nodes/w9':
      return [404, status(404, { reason: 'NotFound', message: 'nodes "w9" not found' })];
    case 'GET /api/v1/pods':
      return [200, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [] }];
    case 'POST /api/v1/namespaces/default/pods/web-1/eviction':
      return [201, status(201)];
    case 'POST /api/v1/namespaces/default/pods/web-2/eviction':
      return [429, TOO_MANY];
    case 'POST /api/v1/namespaces/default/pods/gone/eviction':
      return [404, status(404, { reason: 'NotFound', message: 'pods "gone" not found' })];
    case 'POST /api/v1/namespaces/default/pods/two-budgets/eviction':
      return [
        500,
        status(500, {
          message:
            'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
        }),
      ];
    case 'GET /apis/policy/v1/namespaces/shop/poddisruptionbudgets':
      return [
        200,
        {
          kind: 'PodDisruptionBudgetList',
          apiVersion: 'policy/v1',
          metadata: {},
          items: [
            {
              metadata: { name: 'web-pdb', namespace: 'shop' },
              spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } },
              status: { currentHealthy: 2, desiredHealthy: 2, expectedPods: 2, disruptionsAllowed: 0 },
            },
          ],
        },
      ];
    case 'GET /api/v1':
      return [
        200,
        resourceList('v1', [
          ['nodes', 'Node', false],
          ['pods', 'Pod', true],
          ['configmaps', 'ConfigMap', true],
        ]),
      ];
    case 'GET /apis/apps/v1':
      return [200, resourceList('apps/v1', [['deployments', 'Deployment', true]])];
    case 'PATCH /api/v1/namespaces/default/configmaps/demo':
    case 'PATCH /apis/apps/v1/namespaces/web/deployments/web': {
      const object = JSON.parse(body) as { metadata: object };
      return [
        201,
        {
          ...object,
          metadata: { ...object.metadata, uid: 'uid-applied', creationTimestamp: '2026-01-01T00:00:00Z' },
        },
      ];
    }
    case 'DELETE /api/v1/namespaces/default/configmaps/demo':
      return [200, status(200)];
    case 'DELETE /api/v1/namespaces/default/configmaps/missing':
      return [404, status(404, { reason: 'NotFound', message: 'configmaps "missing" not found' })];
    default:
      return [
        404,
        status(404, { reason: 'NotFound', message: 'the server could not find the requested resource' }),
      ];
  }
}

let pki: KubePki;
let server: Server;
let url: string;
const recorded: Recorded[] = [];
const hanging: ServerResponse[] = [];

function handle(req: IncomingMessage, res: ServerResponse): void {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', () => {
    const parsed = new URL(req.url ?? '/', 'https://127.0.0.1');
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    recorded.push({
      method: req.method ?? '',
      path: parsed.pathname,
      query: Object.fromEntries(parsed.searchParams),
      ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {}),
      body,
      ...(peer.subject ? { clientCN: String(peer.subject.CN), clientO: String(peer.subject.O) } : {}),
    });
    const answer = route(req.method ?? '', parsed.pathname, body);
    if (answer === 'hang') {
      hanging.push(res);
      return;
    }
    res.writeHead(answer[0], { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer[1]));
  });
}

beforeAll(async () => {
  pki = await createKubePki();
  server = createServer(
    {
      key: pki.server.key,
      cert: pki.server.crt,
      ca: pki.ca.crt,
      requestCert: true,
      rejectUnauthorized: true,
    },
    handle,
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const res of hanging) res.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const last = (method: string, path: string) =>
  recorded.filter((r) => r.method === method && r.path === path).at(-1);

async function api(requestTimeoutMs = 5000): Promise<KubeApi> {
  return createClientNodeApi(kubeconfig(url, pki.ca, pki.admin), { requestTimeoutMs });
}

describe('client-node adapter over HTTPS with a client certificate', () => {
  it('evicts through POST pods/{name}/eviction with a policy/v1 Eviction body', async () => {
    const kube = await api();
    expect(await kube.evictPod({ namespace: 'default', name: 'web-1' }, { gracePeriodSeconds: 30 })).toEqual({
      kind: 'evicted',
    });
    const request = last('POST', '/api/v1/namespaces/default/pods/web-1/eviction');
    expect(request?.contentType).toBe('application/json');
    expect(JSON.parse(request?.body ?? '{}')).toEqual({
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: 'web-1', namespace: 'default' },
      deleteOptions: { gracePeriodSeconds: 30 },
    });
    expect(request).toMatchObject({ clientCN: 'admin', clientO: 'system:masters' });
  });

  it.each([
    { name: 'web-2', outcome: { kind: 'blocked', reason: 'disruption-budget' } },
    { name: 'gone', outcome: { kind: 'gone' } },
  ])('reads eviction answer for $name as $outcome.kind', async ({ name, outcome }) => {
    const result = await (await api()).evictPod({ namespace: 'default', name });
    expect(result).toMatchObject(outcome);
    if (result.kind === 'blocked') {
      expect(result.message).toBe(
        "Cannot evict pod as it would violate the pod's disruption budget. The disruption budget web-pdb needs 2 healthy pods and has 2 currently",
      );
    }
  });

  it('throws a non-transient KubeApiError for a 500 eviction answer', async () => {
    const error = await (
      await api()
    )
      .evictPod({ namespace: 'default', name: 'two-budgets' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect(error).toMatchObject({ status: 500, kubeCode: 'kube.api', transient: false });
    expect((error as Error).message).toMatch(
      /^evict pod: HTTP 500: This pod has more than one PodDisruptionBudget/,
    );
  });

  it('cordons with GET then a JSON merge patch of spec.unschedulable, and skips the patch when already cordoned', async () => {
    const client = await createKubeClient(kubeconfig(url, pki.ca, pki.admin));
    const before = recorded.length;
    const result = await client.cordon('w1');
    expect(result.changed).toBe(true);
    const patch = last('PATCH', '/api/v1/nodes/w1');
    expect(patch?.contentType).toBe('application/merge-patch+json');
    expect(JSON.parse(patch?.body ?? '{}')).toEqual({ spec: { unschedulable: true } });
    expect(recorded.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /api/v1/nodes/w1',
      'PATCH /api/v1/nodes/w1',
    ]);

    const uncordon = await (await api()).setUnschedulable('w1', false);
    expect(JSON.parse(last('PATCH', '/api/v1/nodes/w1')?.body ?? '{}')).toEqual({
      spec: { unschedulable: null },
    });
    expect(uncordon.metadata.name).toBe('w1');
  });

  it('server-side applies with PATCH application/apply-patch+yaml to the path discovery gives, body unchanged', async () => {
    const kube = await api();
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'demo' }, data: { a: '1' } };
    // A field newer than client-node's models must reach the server: the body is the caller's JSON.
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'web' },
      spec: { replicas: 2, someFutureField: { enabled: true } },
    };
    const stored = await kube.apply(configMap, { fieldManager: 'hk8s', force: false, dryRun: false });
    await kube.apply(deployment, { fieldManager: 'hk8s', force: true, dryRun: true });

    const cm = last('PATCH', '/api/v1/namespaces/default/configmaps/demo');
    expect(cm).toMatchObject({
      contentType: 'application/apply-patch+yaml',
      query: { fieldManager: 'hk8s', force: 'false' },
    });
    expect(JSON.parse(cm?.body ?? '{}')).toEqual(configMap);
    expect(stored).toMatchObject({
      metadata: { uid: 'uid-applied', creationTimestamp: '2026-01-01T00:00:00Z' },
    });

    const deploy = last('PATCH', '/apis/apps/v1/namespaces/web/deployments/web');
    expect(deploy).toMatchObject({
      contentType: 'application/apply-patch+yaml',
      query: { fieldManager: 'hk8s', force: 'true', dryRun: 'All' },
    });
    expect(JSON.parse(deploy?.body ?? '{}')).toEqual(deployment);
    // Discovery once per apiVersion, then cached.
    await kube.apply(configMap, { fieldManager: 'hk8s', force: false, dryRun: false });
    expect(recorded.filter((r) => r.path === '/api/v1').length).toBe(1);
  });

  it('refuses to apply a kind the server does not offer, naming it', async () => {
    const error = await (
      await api()
    )
      .apply(
        { apiVersion: 'v1', kind: 'Widget', metadata: { name: 'x' } },
        { fieldManager: 'hk8s', force: false, dryRun: false },
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect((error as Error).message).toContain('no resource of kind Widget in v1');
  });

  it('deletes objects and nodes; 404 means already gone', async () => {
    const kube = await api();
    expect(
      await kube.deleteObject({ apiVersion: 'v1', kind: 'ConfigMap', name: 'demo', namespace: 'default' }),
    ).toBe('deleted');
    expect(
      await kube.deleteObject({ apiVersion: 'v1', kind: 'ConfigMap', name: 'missing', namespace: 'default' }),
    ).toBe('not-found');
    expect(await kube.deleteNode('w1')).toBe('deleted');
    expect(await kube.deleteNode('w9')).toBe('not-found');
    expect(await kube.getNode('w9')).toBeUndefined();
  });

  it('lists pods of a node by field selector, nodes, budgets and the version', async () => {
    const kube = await api();
    await kube.listPods({ nodeName: 'w1' });
    expect(last('GET', '/api/v1/pods')?.query).toEqual({ fieldSelector: 'spec.nodeName=w1' });
    const nodes = await kube.listNodes();
    expect(nodes.map((n) => n.metadata.name)).toEqual(['w1', 'w2']);
    expect(nodes[0]?.status?.conditions?.[0]).toEqual({
      type: 'Ready',
      status: 'True',
      reason: 'KubeletReady',
    });
    const budgets = await kube.listPodDisruptionBudgets('shop');
    expect(budgets[0]).toEqual({
      metadata: { name: 'web-pdb', namespace: 'shop' },
      spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } },
      status: { currentHealthy: 2, desiredHealthy: 2, expectedPods: 2, disruptionsAllowed: 0 },
    });
    expect(await kube.version()).toEqual({
      major: '1',
      minor: '36',
      gitVersion: 'v1.36.3',
      platform: 'linux/amd64',
    });
  });

  it('fails a request that gets no answer within the request timeout as unreachable', async () => {
    const error = await (await api(300)).getNode('slow').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect(error).toMatchObject({ kubeCode: 'kube.unreachable', transient: true });
    expect((error as Error).message).toContain('did not answer within 300ms');
  });

  it('rejects with the caller’s own reason when the caller aborts', async () => {
    const controller = new AbortController();
    const reason = new Error('interrupted');
    const pending = (await api()).getNode('slow', { signal: controller.signal });
    setTimeout(() => controller.abort(reason), 50);
    await expect(pending).rejects.toBe(reason);
  });

  it('is refused by the server with a client certificate from another CA', async () => {
    const before = recorded.length;
    const foreign = await createClientNodeApi(kubeconfig(url, pki.ca, pki.foreign), {
      requestTimeoutMs: 5000,
    });
    const error = await foreign.listNodes().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect(['kube.auth', 'kube.unreachable']).toContain((error as KubeApiError).kubeCode);
    expect((error as KubeApiError).hint).toMatch(/client certificate/);
    expect(recorded.length).toBe(before);
  });

  it('does not trust a server certificate from another CA', async () => {
    const other = await createKubePki();
    const kube = await createClientNodeApi(kubeconfig(url, other.ca, pki.admin), { requestTimeoutMs: 5000 });
    const error = await kube.version().catch((e: unknown) => e);
    expect(error).toMatchObject({ kubeCode: 'kube.auth' });
    expect((error as KubeApiError).hint).toMatch(/TLS handshake failed/);
  });

  it.each([
    ['not YAML at all', 'key: [unclosed\nclient-key-data: SECRET-KEY-MATERIAL'],
    ['no current context', 'apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts: []\n'],
  ])('rejects an unusable kubeconfig (%s) without quoting it', async (_, text) => {
    const error = await createKubeClient(text).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeError);
    expect(error).toMatchObject({ kubeCode: 'kube.kubeconfig', code: 'provider.auth' });
    expect((error as Error).message).not.toContain('SECRET');
  });
});

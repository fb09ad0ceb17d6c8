/**
 * Scale-down with the built CLI on the sandbox: a 3 + 4 cluster, its worker pool 4 → 2. A
 * PodDisruptionBudget that allows no disruption blocks the drain with a message naming it; once
 * `kubectl patch` relaxes it, `hk8s resume` finishes: the evicted pods run on the other nodes, the
 * Nodes and the servers are gone, no node was drained twice, and the next plan is empty.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxDirFor, workspace, type Workspace } from '../support/cli.js';

const SPEC = `# 3 control planes and 4 workers: the scale-down test.
cluster:
  name: sd-e2e
  # Servers go: delete protection would refuse it (it has a test of its own, in lifecycle).
  deleteProtection: false
firewall:
  apiSources: [127.0.0.1/32]
controlPlane:
  pools:
    - { name: cp, location: fsn1, type: cpx22, count: 3 }
workers:
  pools:
    - { name: w, location: fsn1, type: cpx32, count: 4 }
loadBalancers:
  kubeApi:
    enabled: true
`;
const TWO_WORKERS = SPEC.replace('type: cpx32, count: 4', 'type: cpx32, count: 2');
const SPEED = 0.05;
const sandboxDir = sandboxDirFor('scale-down');
const kubeCache = mkdtempSync(join(tmpdir(), 'hk8s-kubectl-'));
let control: Workspace;

beforeAll(() => {
  control = workspace({ sandboxDir, speed: SPEED });
  expect(control.run('sandbox', 'start', '--speed', String(SPEED)).code).toBe(0);
});

afterAll(() => {
  control?.run('sandbox', 'stop');
});

type Event = { type: string; data: { action?: string; address?: string } };

function events(ws: Workspace): Event[] {
  const file = join(ws.dir, '.hk8s', 'sd-e2e', 'events.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.endsWith('}'))
    .map((l) => JSON.parse(l) as Event);
}

function kubectl(ws: Workspace, ...args: string[]): string {
  return execFileSync(
    'kubectl',
    [
      '--kubeconfig',
      join(ws.dir, 'kubeconfig'),
      '--cache-dir',
      kubeCache,
      '--request-timeout',
      '10s',
      ...args,
    ],
    { encoding: 'utf8', ...(args.includes('-') ? { input: WORKLOAD } : {}) },
  );
}

/**
 * Four pods spread over the workers, and one pinned to sd-e2e-w-4 under a budget that allows no
 * disruption: w-3 drains at once, w-4 is blocked. Applied server-side: `kubectl create deployment`
 * sends protobuf, which the sandbox does not speak.
 */
const WORKLOAD = `apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: default }
spec:
  replicas: 4
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers: [{ name: web, image: registry.k8s.io/pause:3.10 }]
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: guarded, namespace: default }
spec:
  replicas: 1
  selector: { matchLabels: { app: guarded } }
  template:
    metadata: { labels: { app: guarded } }
    spec:
      nodeSelector: { kubernetes.io/hostname: sd-e2e-w-4 }
      containers: [{ name: guarded, image: registry.k8s.io/pause:3.10 }]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: guarded, namespace: default }
spec:
  minAvailable: 1
  selector: { matchLabels: { app: guarded } }
`;

interface Pod {
  metadata: { name: string; namespace: string; labels?: Record<string, string> };
  spec: { nodeName?: string };
  status: { phase?: string };
}

const pods = (ws: Workspace): Pod[] =>
  (JSON.parse(kubectl(ws, 'get', 'pods', '-A', '-o', 'json')) as { items: Pod[] }).items;

async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Servers as the sandbox's Hetzner API lists them. */
async function hetznerServers(): Promise<string[]> {
  const { url } = JSON.parse(readFileSync(join(sandboxDir, 'sandbox.json'), 'utf8')) as { url: string };
  const response = await fetch(`${url}/servers?per_page=50`, {
    headers: { authorization: 'Bearer sandbox', connection: 'close' },
  });
  const body = (await response.json()) as { servers: Array<{ name: string }> };
  return body.servers.map((s) => s.name).sort();
}

describe('scale-down on the sandbox', () => {
  it('pool 4 → 2 drains and deletes two nodes; a budget blocks it until relaxed, then resume finishes', async () => {
    const ws = workspace({ sandboxDir, speed: SPEED });
    ws.writeSpec(SPEC);
    const created = ws.run('apply', '--sandbox', '--auto-approve');
    expect(created.code, created.stdout + created.stderr).toBe(0);
    expect(ws.run('kubeconfig', '-o', 'kubeconfig').code).toBe(0);

    // A workload spread over the workers, and a pod on w-4 whose budget allows no disruption.
    kubectl(ws, 'apply', '--server-side', '-f', '-');
    const running = (app: string) =>
      pods(ws).filter((p) => p.metadata.labels?.app === app && p.status.phase === 'Running');
    await until('the pods running', () => running('web').length === 4 && running('guarded').length === 1);
    expect(running('guarded').map((p) => p.spec.nodeName)).toEqual(['sd-e2e-w-4']);
    const going = ['sd-e2e-w-3', 'sd-e2e-w-4'];
    expect(running('web').some((p) => going.includes(p.spec.nodeName ?? ''))).toBe(true);

    ws.writeSpec(TWO_WORKERS);
    const planned = ws.run('plan', '--sandbox', '--json');
    expect(planned.code, planned.stderr).toBe(0);
    const actions = (JSON.parse(planned.stdout) as { graph: { actions: Array<{ id: string }> } }).graph
      .actions;
    const ids = actions.map((a) => a.id);
    expect(ids.filter((id) => id.startsWith('drain:'))).toEqual(['drain:server.w.3', 'drain:server.w.4']);
    expect(ids.filter((id) => id.startsWith('delete:server.'))).toEqual([
      'delete:server.w.3',
      'delete:server.w.4',
    ]);
    expect(ids.filter((id) => id.startsWith('delete:kube.node.')).sort()).toEqual([
      'delete:kube.node.w.3',
      'delete:kube.node.w.4',
    ]);

    const blocked = ws.run('apply', '--sandbox', '--auto-approve');
    expect(blocked.code, blocked.stdout + blocked.stderr).toBe(9);
    const said = blocked.stdout + blocked.stderr;
    expect(said).toMatch(
      /drain of node sd-e2e-w-4 did not finish within \d+s: pod guarded-[a-z0-9-]+ in namespace default cannot be evicted: blocked by PodDisruptionBudget default\/guarded \(minAvailable 1; currentHealthy 1, desiredHealthy 1, disruptionsAllowed 0\)/,
    );
    expect(said).toContain('then run `hk8s resume`');
    // w-3 had nothing protected: it is gone already; w-4 keeps its server until the budget allows.
    expect(await hetznerServers()).toEqual(
      ['cp-1', 'cp-2', 'cp-3', 'w-1', 'w-2', 'w-4'].map((n) => `sd-e2e-${n}`),
    );

    kubectl(
      ws,
      'patch',
      'poddisruptionbudget',
      'guarded',
      '--type=merge',
      '-p',
      '{"spec":{"minAvailable":0}}',
    );
    const resumed = ws.run('resume', '--sandbox', '--auto-approve');
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);

    const nodes = kubectl(ws, 'get', 'nodes', '-o', 'name').trim().split('\n').sort();
    expect(nodes).toEqual(['cp-1', 'cp-2', 'cp-3', 'w-1', 'w-2'].map((n) => `node/sd-e2e-${n}`));
    await until('4 web pods running elsewhere', () => running('web').length === 4);
    // Every pod is off the removed nodes (the pinned one waits, Pending, for a node it may run on).
    expect(pods(ws).filter((p) => going.includes(p.spec.nodeName ?? ''))).toEqual([]);
    expect(new Set(running('web').map((p) => p.spec.nodeName))).toEqual(
      new Set(['sd-e2e-w-1', 'sd-e2e-w-2']),
    );
    expect(await hetznerServers()).toEqual(['cp-1', 'cp-2', 'cp-3', 'w-1', 'w-2'].map((n) => `sd-e2e-${n}`));

    // w-3 was removed by the first run and not drained again; w-4's drain ran again and finished.
    const log = events(ws);
    const drains = (server: string, type: string) =>
      log.filter((e) => e.type === type && e.data.action === `drain:${server}`).length;
    expect([drains('server.w.3', 'ActionStarted'), drains('server.w.3', 'ActionSucceeded')]).toEqual([1, 1]);
    expect([drains('server.w.4', 'ActionFailed'), drains('server.w.4', 'ActionSucceeded')]).toEqual([1, 1]);
    for (const node of ['kube.node.w.3', 'kube.node.w.4']) {
      expect(log.some((e) => e.type === 'ActionSucceeded' && e.data.address === node)).toBe(true);
    }
    expect(ws.run('plan', '--sandbox', '--detailed-exitcode').code).toBe(0);

    // etcd quorum: 3 → 2 is refused at plan time unless forced.
    ws.writeSpec(TWO_WORKERS.replace('type: cpx22, count: 3', 'type: cpx22, count: 2'));
    const even = ws.run('plan', '--sandbox', '--json');
    expect(even.code).toBe(4);
    expect(JSON.parse(even.stdout)).toMatchObject({
      ok: false,
      error: { code: 'plan.refused', where: 'controlPlane.pools[0].count' },
    });
    const forced = ws.run('plan', '--sandbox', '--force', '--json');
    expect(forced.code, forced.stdout + forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ force: true, summary: { 'leave-etcd': 1 } });
  }, 180_000);
});

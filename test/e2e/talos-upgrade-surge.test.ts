/**
 * `maxSurge` with the built CLI on the sandbox: a 3 + 2 cluster whose worker pool has
 * `upgrade.maxSurge: 1`, taken from v1.13.9 to v1.13.10. The plan creates the surge server first
 * and deletes it last; the run is killed with SIGKILL while the pool upgrades (the sandbox's Hetzner
 * API shows the surge server then), resumed and killed again as the surge node is drained, and
 * resumed to the end: no surge server is left in the Hetzner API, kubectl shows every node (and no
 * surge node) on the new version, never more than one node unavailable, and the next plan is empty.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sandboxDirFor, workspace, type Workspace } from '../support/cli.js';
import { hcloud, sandboxOrigin } from '../support/sandbox-client.js';

const SPEED = 0.05;
const CLUSTER = 'surge-e2e';
const SURGE = `${CLUSTER}-w-s1`;
const SPEC = (version: string) => `
cluster: { name: ${CLUSTER} }
firewall: { apiSources: [127.0.0.1/32] }
talos: { version: ${version} }
kubernetes: { version: v1.34.10 }
controlPlane:
  pools:
    - { name: cp, location: fsn1, type: cpx22, count: 3 }
workers:
  pools:
    - { name: w, location: fsn1, type: cpx32, count: 2, upgrade: { maxSurge: 1 } }
loadBalancers:
  kubeApi: { enabled: true }
`;
const sandboxDir = sandboxDirFor('surge');
let control: Workspace;

beforeAll(() => {
  control = workspace({ sandboxDir, speed: SPEED });
  expect(control.run('sandbox', 'start', '--speed', String(SPEED)).code).toBe(0);
});

afterAll(() => {
  control?.run('sandbox', 'stop');
});

beforeEach(() => {
  expect(control.run('sandbox', 'reset').code).toBe(0);
});

type Event = { seq: number; type: string; data: { action?: string; address?: string } };

function events(ws: Workspace): Event[] {
  const file = join(ws.dir, '.hk8s', CLUSTER, 'events.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.endsWith('}'))
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Event];
      } catch {
        return [];
      }
    });
}

async function sandbox<T>(path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${sandboxOrigin(sandboxDir)}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { connection: 'close', 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return (await response.json()) as T;
}

/** The cluster's server names, as the sandbox's Hetzner API lists them. */
async function serverNames(): Promise<string[]> {
  const page = await hcloud<{ servers: Array<{ name: string }> }>(sandboxDir, 'GET', '/servers?per_page=50');
  return page.servers
    .map((s) => s.name)
    .filter((n) => n.startsWith(`${CLUSTER}-`))
    .sort();
}

interface Ended {
  code: number | null;
  output: string;
}

/** Runs the CLI to its end (no spawnSync timeout: a surged upgrade takes a while under load). */
function runToEnd(ws: Workspace, ...args: string[]): Promise<Ended> {
  const child = ws.start(...args);
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

/** Starts the CLI and kills it with SIGKILL once `reached`; `atKill` runs just before the kill. */
async function killWhen(
  ws: Workspace,
  args: string[],
  reached: (e: Event[]) => boolean,
  atKill: () => Promise<void>,
): Promise<void> {
  const child = ws.start(...args);
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  let done = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => (done = true));
  while (!done && !reached(events(ws))) await new Promise((r) => setTimeout(r, 5));
  if (done) throw new Error(`${args[0]} ended before the kill point:\n${output.slice(-1500)}`);
  await atKill();
  child.kill('SIGKILL');
  await exited;
}

const started = (id: string) => (e: Event[]) =>
  e.some((x) => x.type === 'ActionStarted' && x.data.action === id);
const seqOf = (all: Event[], type: string, id: string) =>
  all.find((e) => e.type === type && e.data.action === id)?.seq ?? Infinity;

interface KubeRecord {
  clusters: Array<{ name: string; maxUnavailable: { notReadyOrUnschedulable: number } }>;
}

describe('maxSurge on the sandbox', () => {
  it('3 + 2 with maxSurge 1: the surge server comes first, goes last, survives two kills, leaves nothing', async () => {
    const ws = workspace({ sandboxDir, speed: SPEED });
    ws.writeSpec(SPEC('v1.13.9'));
    const first = await runToEnd(ws, 'apply', '--sandbox', '--auto-approve');
    expect(first.code, first.output).toBe(0);
    // Nothing to upgrade: no surge server.
    expect(await serverNames()).not.toContain(SURGE);
    await sandbox('/_sandbox/kube/reset', {});

    ws.writeSpec(SPEC('v1.13.10'));
    const plan = ws.run('plan', '--sandbox');
    expect(plan.code, plan.stderr).toBe(0);
    const lines = plan.stdout.split('\n');
    const at = (pattern: RegExp) => lines.findIndex((l) => pattern.test(l));
    const create = at(/server\.w\.s1\b.*create|create.*server\.w\.s1\b/);
    const upgradeW1 = at(/talos\.node\.w\.1\s+upgrade/);
    const drain = at(/server\.w\.s1\b.*drain|drain.*server\.w\.s1\b/);
    expect(create, plan.stdout).toBeGreaterThanOrEqual(0);
    expect(upgradeW1, plan.stdout).toBeGreaterThan(create);
    expect(drain, plan.stdout).toBeGreaterThan(upgradeW1);
    expect(plan.stdout).not.toMatch(/talos\.node\.w\.s1\s+upgrade/);

    // Killed while the pool upgrades: the surge node is up, joined, and in the Hetzner API.
    let during: string[] = [];
    await killWhen(
      ws,
      ['apply', '--sandbox', '--auto-approve'],
      started('upgrade:talos.node.w.1@v1.13.10'),
      async () => {
        during = await serverNames();
      },
    );
    expect(during).toContain(SURGE);
    const killed = events(ws);
    expect(seqOf(killed, 'ActionSucceeded', 'wait:kube.node.w.s1')).toBeLessThan(
      seqOf(killed, 'ActionStarted', 'upgrade:talos.node.w.1@v1.13.10'),
    );

    // `status` shows the surge node, booted on the new version (it needs no upgrade).
    const status = ws.run('status', '--sandbox', '--json');
    expect(status.code, status.stderr).toBe(0);
    const nodes = (JSON.parse(status.stdout) as { nodes: Array<{ server: string; talosVersion?: string }> })
      .nodes;
    expect(nodes.find((n) => n.server === 'server.w.s1')?.talosVersion).toBe('v1.13.10');

    // Resumed, and killed again as the surge node is drained (the pool is done by then).
    await killWhen(ws, ['resume', '--sandbox', '--auto-approve'], started('drain:server.w.s1'), async () => {
      expect(await serverNames()).toContain(SURGE);
    });
    const resume = await runToEnd(ws, 'resume', '--sandbox', '--auto-approve');
    expect(resume.code, resume.output).toBe(0);

    // No orphan: the Hetzner API has the five servers of the spec and no surge server.
    expect(await serverNames()).toEqual(['cp-1', 'cp-2', 'cp-3', 'w-1', 'w-2'].map((n) => `${CLUSTER}-${n}`));
    const all = events(ws);
    // The surge server went after every upgrade of its pool.
    for (const id of ['upgrade:talos.node.w.1@v1.13.10', 'upgrade:talos.node.w.2@v1.13.10'])
      expect(seqOf(all, 'ActionSucceeded', id)).toBeLessThan(
        seqOf(all, 'ActionSucceeded', 'delete:server.w.s1'),
      );
    const kube = (await sandbox<KubeRecord>('/_sandbox/kube')).clusters.find((c) => c.name === CLUSTER);
    // Surge adds capacity, not unavailability: one node at a time (maxUnavailable 1).
    expect(kube?.maxUnavailable.notReadyOrUnschedulable).toBe(1);

    expect(ws.run('kubeconfig', '-o', 'kubeconfig').code).toBe(0);
    const kubectl = execFileSync(
      'kubectl',
      [
        '--kubeconfig',
        join(ws.dir, 'kubeconfig'),
        'get',
        'nodes',
        '-o',
        'jsonpath={range .items[*]}{.metadata.name}={.status.nodeInfo.osImage}{"\\n"}{end}',
      ],
      { encoding: 'utf8' },
    )
      .trim()
      .split('\n')
      .sort();
    expect(kubectl).toEqual(
      ['cp-1', 'cp-2', 'cp-3', 'w-1', 'w-2'].map((n) => `${CLUSTER}-${n}=Talos (v1.13.10)`),
    );
    const next = ws.run('plan', '--sandbox', '--detailed-exitcode');
    expect(next.code, next.stdout).toBe(0);
  }, 600_000);
});

/**
 * Rolling Talos upgrades with the built CLI on the sandbox: a 3 + 3 cluster on v1.13.9 taken to
 * v1.13.10 — killed with SIGKILL in the middle and resumed — in order, one control plane at a time,
 * never more workers down than `maxUnavailable` (the sandbox's Kubernetes record), every node on the
 * new version, the next plan empty, no node upgraded twice. A worker that falls back to its old
 * version fails the run naming that node.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readTalosState } from '@hk8s/sandbox';
import { sandboxDirFor, workspace, type Workspace } from '../support/cli.js';
import { sandboxOrigin } from '../support/sandbox-client.js';

const SPEED = 0.05;
const CLUSTER = 'up-e2e';
const SPEC = (version: string, cps = 3, workers = 3) => `
cluster: { name: ${CLUSTER} }
firewall: { apiSources: [127.0.0.1/32] }
talos: { version: ${version} }
kubernetes: { version: v1.34.10 }
controlPlane:
  pools:
    - { name: cp, location: fsn1, type: cpx22, count: ${cps} }
workers:
  pools:
    - { name: w, location: fsn1, type: cpx32, count: ${workers}, upgrade: { maxUnavailable: 2 } }
loadBalancers:
  kubeApi: { enabled: true }
`;
const sandboxDir = sandboxDirFor('upgrade');
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

type Event = {
  seq: number;
  type: string;
  data: { action?: string; address?: string; error?: { message: string } };
};

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

interface KubeRecord {
  clusters: Array<{
    name: string;
    maxUnavailable: { notReadyOrUnschedulable: number; notReady: number };
    versionChanges: Array<{ node: string; component: string; from: string; to: string }>;
  }>;
}

const talosNodes = () => readTalosState(sandboxDir).nodes.filter((n) => n.name.startsWith(`${CLUSTER}-`));
const bootCounts = () => Object.fromEntries(talosNodes().map((n) => [n.name, n.bootCount]));

function applyAndKillWhen(ws: Workspace, reached: (e: Event[]) => boolean): Promise<void> {
  const child = ws.start('apply', '--sandbox', '--auto-approve');
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  let done = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => (done = true));
  return (async () => {
    while (!done && !reached(events(ws))) await new Promise((r) => setTimeout(r, 5));
    if (done) throw new Error(`apply ended before the kill point:\n${output.slice(-1500)}`);
    child.kill('SIGKILL');
    await exited;
  })();
}

/** [start, end] event sequence numbers of each action id, over every run. */
function intervals(all: Event[], prefix: string): Array<[string, number, number]> {
  const spans = new Map<string, [number, number]>();
  for (const e of all) {
    const id = e.data.action;
    if (!id?.startsWith(prefix)) continue;
    if (e.type === 'ActionStarted') spans.set(`${id}#${e.seq}`, [e.seq, Infinity]);
    if (e.type === 'ActionSucceeded' || e.type === 'ActionFailed' || e.type === 'ActionInterrupted') {
      const open = [...spans.entries()].find(([k, v]) => k.startsWith(`${id}#`) && v[1] === Infinity);
      if (open) open[1][1] = e.seq;
    }
  }
  return [...spans.entries()].map(([k, [a, b]]) => [k.split('#')[0] as string, a, b]);
}

describe('rolling Talos upgrades on the sandbox', () => {
  it('3 + 3 from v1.13.9 to v1.13.10, killed mid-way and resumed: in order, within limits, each node once', async () => {
    const ws = workspace({ sandboxDir, speed: SPEED });
    ws.writeSpec(SPEC('v1.13.9'));
    const first = ws.run('apply', '--sandbox', '--auto-approve');
    expect(first.code, first.stdout + first.stderr).toBe(0);
    await sandbox('/_sandbox/kube/reset', {});
    const bootsBefore = bootCounts();

    ws.writeSpec(SPEC('v1.13.10'));
    const plan = ws.run('plan', '--sandbox');
    expect(plan.code, plan.stderr).toBe(0);
    const order = [...plan.stdout.matchAll(/talos\.node\.(\S+)\s+upgrade/g)].map((m) => m[1]);
    expect(order).toEqual(['cp.1', 'cp.2', 'cp.3', 'w.1', 'w.2', 'w.3']);
    expect(plan.stdout).toContain('v1.13.9 → v1.13.10');
    expect(plan.stdout).toContain('6 to upgrade');
    expect(plan.stdout).not.toContain('mode: reboot');

    // Killed while the third control plane upgrades: two nodes are done, one is half-way.
    await applyAndKillWhen(ws, (e) =>
      e.some((x) => x.type === 'ActionStarted' && x.data.action === 'upgrade:talos.node.cp.3@v1.13.10'),
    );
    const finishedBefore = events(ws)
      .filter((e) => e.type === 'ActionSucceeded' && e.data.action?.startsWith('upgrade:'))
      .map((e) => e.data.action);
    expect(finishedBefore).toEqual(['upgrade:talos.node.cp.1@v1.13.10', 'upgrade:talos.node.cp.2@v1.13.10']);

    const resume = ws.run('resume', '--sandbox', '--auto-approve');
    expect(resume.code, resume.stdout + resume.stderr).toBe(0);

    const all = events(ws);
    // A node upgraded before the kill was never started again.
    const started = all.filter((e) => e.type === 'ActionStarted' && e.data.action?.startsWith('upgrade:'));
    for (const id of finishedBefore) expect(started.filter((e) => e.data.action === id)).toHaveLength(1);
    // Control planes one at a time: their upgrade actions never overlap.
    const cps = intervals(all, 'upgrade:talos.node.cp.').sort((a, b) => a[1] - b[1]);
    for (let i = 1; i < cps.length; i++) expect(cps[i]![1]).toBeGreaterThan(cps[i - 1]![2]);

    const kube = (await sandbox<KubeRecord>('/_sandbox/kube')).clusters.find((c) => c.name === CLUSTER);
    expect(kube?.maxUnavailable.notReadyOrUnschedulable).toBeGreaterThanOrEqual(1);
    expect(kube?.maxUnavailable.notReadyOrUnschedulable).toBeLessThanOrEqual(2);
    const talosChanges = (kube?.versionChanges ?? []).filter((c) => c.component === 'talos');
    const nodeOrder = talosChanges.map((c) => c.node.replace(`${CLUSTER}-`, ''));
    expect(nodeOrder.slice(0, 3)).toEqual(['cp-1', 'cp-2', 'cp-3']);
    expect([...nodeOrder.slice(3)].sort()).toEqual(['w-1', 'w-2', 'w-3']);
    expect(talosChanges.every((c) => c.from === 'v1.13.9' && c.to === 'v1.13.10')).toBe(true);

    // Every node on the new version, in Talos and in Kubernetes; each rebooted exactly once more.
    expect(talosNodes().map((n) => n.version)).toEqual(Array(6).fill('v1.13.10'));
    const after = bootCounts();
    for (const [name, count] of Object.entries(bootsBefore)) expect(after[name], name).toBe(count + 1);
    expect(ws.run('kubeconfig', '-o', 'kubeconfig').code).toBe(0);
    const kubectl = (template: string) =>
      execFileSync(
        'kubectl',
        [
          '--kubeconfig',
          join(ws.dir, 'kubeconfig'),
          'get',
          'nodes',
          '-o',
          `jsonpath={range .items[*]}${template}{"\\n"}{end}`,
        ],
        { encoding: 'utf8' },
      )
        .trim()
        .split('\n');
    expect(kubectl('{.status.nodeInfo.osImage}')).toEqual(Array(6).fill('Talos (v1.13.10)'));
    // Every node uncordoned again.
    expect(kubectl('{.metadata.name}={.spec.unschedulable}').every((line) => line.endsWith('='))).toBe(true);
    const next = ws.run('plan', '--sandbox', '--detailed-exitcode');
    expect(next.code, next.stdout).toBe(0);
  }, 400_000);

  it('a worker that comes back on its old version fails the run by name, and is planned again', async () => {
    const ws = workspace({ sandboxDir, speed: SPEED });
    ws.writeSpec(SPEC('v1.13.9', 1, 1));
    const first = ws.run('apply', '--sandbox', '--auto-approve');
    expect(first.code, first.stdout + first.stderr).toBe(0);
    await sandbox('/_sandbox/talos/faults', { upgradeFallsBack: [`${CLUSTER}-w-1`] });
    ws.writeSpec(SPEC('v1.13.10', 1, 1));
    const failed = ws.run('apply', '--sandbox', '--auto-approve');
    expect(failed.code).not.toBe(0);
    const failure = events(ws).find(
      (e) => e.type === 'ActionFailed' && e.data.action?.startsWith('upgrade:'),
    );
    expect(failure?.data.action).toBe('upgrade:talos.node.w.1@v1.13.10');
    expect(failure?.data.error?.message).toContain(
      `${CLUSTER}-w-1 came back on Talos v1.13.9, not v1.13.10: the upgrade did not take`,
    );
    expect(talosNodes().find((n) => n.name === `${CLUSTER}-cp-1`)?.version).toBe('v1.13.10');
    // Still planned: the node's observed version decides, not the attempt.
    await sandbox('/_sandbox/talos/faults', { upgradeFallsBack: [] });
    const plan = ws.run('plan', '--sandbox');
    expect(plan.stdout).toContain('talos.node.w.1');
    expect(plan.stdout).toContain('v1.13.9 → v1.13.10');
    const resume = ws.run('resume', '--sandbox', '--auto-approve');
    expect(resume.code, resume.stdout + resume.stderr).toBe(0);
    expect(talosNodes().map((n) => n.version)).toEqual(['v1.13.10', 'v1.13.10']);
  }, 300_000);
});

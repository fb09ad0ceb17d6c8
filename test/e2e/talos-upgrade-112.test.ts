/**
 * Talos 1.12 → 1.13 and Kubernetes one minor up, in one spec edit, with the built CLI on the
 * sandbox: a 3 + 3 cluster created on v1.12.11 / v1.35.4 taken to v1.13.10 / v1.36.3, killed with
 * SIGKILL while a control plane installs and resumed. Judged by the sandbox's own records: each
 * node's upgrades (the Talos nodes' record: which API, from, to, once each), control planes one at
 * a time before any worker, never more workers down than `maxUnavailable` (the Kubernetes record),
 * every Talos upgrade before the first API server moves; kubectl sees every node on the new Talos
 * and kubelet; the next plan is empty. A node that comes back on 1.12 fails the run naming it, and
 * Kubernetes is not touched then.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readTalosState, type UpgradeRecord } from '@hk8s/sandbox';
import { sandboxDirFor, workspace, type CliResult, type Workspace } from '../support/cli.js';
import { sandboxOrigin } from '../support/sandbox-client.js';

const SPEED = 0.05;
const CLUSTER = 'up112-e2e';
const OLD = { talos: 'v1.12.11', kubernetes: 'v1.35.4' };
const NEW = { talos: 'v1.13.10', kubernetes: 'v1.36.3' };
const SPEC = (versions: { talos: string; kubernetes: string }, cps = 3, workers = 3) => `
cluster: { name: ${CLUSTER} }
firewall: { apiSources: [127.0.0.1/32] }
talos: { version: ${versions.talos} }
kubernetes: { version: ${versions.kubernetes} }
controlPlane:
  pools:
    - { name: cp, location: fsn1, type: cpx22, count: ${cps} }
workers:
  pools:
    - { name: w, location: fsn1, type: cpx32, count: ${workers}, upgrade: { maxUnavailable: 2 } }
loadBalancers:
  kubeApi: { enabled: true }
`;
const CPS = ['cp-1', 'cp-2', 'cp-3'];
const WORKERS = ['w-1', 'w-2', 'w-3'];
const sandboxDir = sandboxDirFor('upgrade-112');
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
  data: { action?: string; error?: { message: string } };
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

interface VersionChange {
  node: string;
  component: string;
  from: string;
  to: string;
  at: string;
}

interface KubeRecord {
  clusters: Array<{
    name: string;
    maxUnavailable: { notReadyOrUnschedulable: number; notReady: number };
    versionChanges: VersionChange[];
  }>;
}

const short = (name: string) => name.replace(`${CLUSTER}-`, '');
const talosNodes = () => readTalosState(sandboxDir).nodes.filter((n) => n.name.startsWith(`${CLUSTER}-`));
/** Every upgrade a node of the cluster performed, oldest first, by the sandbox's record. */
const upgrades = (): Array<UpgradeRecord & { node: string }> =>
  talosNodes()
    .flatMap((n) => n.upgrades.map((u) => ({ ...u, node: short(n.name) })))
    .sort((a, b) => a.at - b.at);

/** A long CLI run without the workspace's 2-minute limit: an upgrade of six nodes takes longer. */
function runLong(ws: Workspace, ...args: string[]): Promise<CliResult> {
  const child = ws.start(...args);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
}

/** Starts apply and kills it with SIGKILL as soon as `reached` holds. */
function applyAndKillWhen(ws: Workspace, reached: () => boolean): Promise<void> {
  const child = ws.start('apply', '--sandbox', '--auto-approve');
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  let done = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => (done = true));
  return (async () => {
    while (!done && !reached()) await new Promise((r) => setTimeout(r, 5));
    if (done) throw new Error(`apply ended before the kill point:\n${output.slice(-1500)}`);
    child.kill('SIGKILL');
    await exited;
  })();
}

function kubectlNodes(
  ws: Workspace,
): Array<{ name: string; osImage: string; kubelet: string; unschedulable: boolean }> {
  const json = execFileSync(
    'kubectl',
    ['--kubeconfig', join(ws.dir, 'kubeconfig'), 'get', 'nodes', '-o', 'json'],
    {
      encoding: 'utf8',
    },
  );
  const list = JSON.parse(json) as {
    items: Array<{
      metadata: { name: string };
      spec: { unschedulable?: boolean };
      status: { nodeInfo: { osImage: string; kubeletVersion: string } };
    }>;
  };
  return list.items
    .map((n) => ({
      name: short(n.metadata.name),
      osImage: n.status.nodeInfo.osImage,
      kubelet: n.status.nodeInfo.kubeletVersion,
      unschedulable: n.spec.unschedulable === true,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

function createCluster(cps: number, workers: number): Workspace {
  const ws = workspace({ sandboxDir, speed: SPEED });
  ws.writeSpec(SPEC(OLD, cps, workers));
  const first = ws.run('apply', '--sandbox', '--auto-approve');
  expect(first.code, first.stdout + first.stderr).toBe(0);
  expect(talosNodes().map((n) => n.version)).toEqual(Array(cps + workers).fill(OLD.talos));
  expect(ws.run('kubeconfig', '-o', 'kubeconfig').code).toBe(0);
  return ws;
}

describe('Talos 1.12 → 1.13 with Kubernetes one minor up', () => {
  it('3 + 3 on v1.12.11, one edit, killed mid-way and resumed: in order, within limits, each node once', async () => {
    const ws = createCluster(3, 3);
    await sandbox('/_sandbox/kube/reset', {});
    expect(upgrades()).toEqual([]);

    ws.writeSpec(SPEC(NEW));
    const plan = ws.run('plan', '--sandbox');
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    const order = [...plan.stdout.matchAll(/talos\.node\.(\S+)\s+upgrade/g)].map((m) => m[1]);
    expect(order).toEqual(['cp.1', 'cp.2', 'cp.3', 'w.1', 'w.2', 'w.3']);
    expect(plan.stdout).toContain(`${OLD.talos} → ${NEW.talos}`);
    expect(plan.stdout).toContain(`server.cp.1 kube-apiserver ${OLD.kubernetes} → ${NEW.kubernetes}`);
    const lines = plan.stdout.split('\n');
    const at = (text: string) => lines.findIndex((l) => l.includes(text));
    expect(at('talos.node.w.3')).toBeLessThan(at('server.cp.1 kube-apiserver'));

    // Killed once the sandbox has accepted the second control plane's upgrade: cp-1 is done,
    // cp-2 installs (or reboots) on its own, nothing else has started.
    await applyAndKillWhen(ws, () => upgrades().some((u) => u.node === 'cp-2'));
    expect(upgrades().map((u) => u.node)).toEqual(['cp-1', 'cp-2']);

    const resumedAt = Math.max(0, ...events(ws).map((e) => e.seq));
    const resume = await runLong(ws, 'resume', '--sandbox', '--auto-approve');
    expect(resume.code, resume.stdout + resume.stderr).toBe(0);

    // The sandbox's record: each node upgraded exactly once, 1.12 → 1.13 through the legacy call
    // (the API a 1.12 node has), control planes in order, then the workers.
    const done = upgrades();
    expect(done.map((u) => u.node).slice(0, 3)).toEqual(CPS);
    expect([...done.map((u) => u.node).slice(3)].sort()).toEqual(WORKERS);
    for (const u of done) {
      expect(u.api, u.node).toBe('MachineService.Upgrade');
      expect(`${u.from} → ${u.to}`, u.node).toBe(`${OLD.talos} → ${NEW.talos}`);
    }

    const kube = (await sandbox<KubeRecord>('/_sandbox/kube')).clusters.find((c) => c.name === CLUSTER);
    const changes = kube?.versionChanges ?? [];
    const talosBack = (node: string) =>
      changes.find((c) => c.component === 'talos' && short(c.node) === node && c.to === NEW.talos);
    // Never two control planes at once: each one's upgrade was accepted after the previous one was
    // back on the new version; the first worker only after the last control plane.
    for (let i = 1; i < CPS.length; i++) {
      const back = talosBack(CPS[i - 1] as string);
      expect(back, CPS[i - 1]).toBeDefined();
      expect(done[i]!.at).toBeGreaterThan(Date.parse(back!.at));
    }
    const firstWorker = Math.min(...done.slice(3).map((u) => u.at));
    expect(firstWorker).toBeGreaterThan(Date.parse(talosBack('cp-3')!.at));
    // Never more than maxUnavailable (2) nodes down or cordoned at once.
    expect(kube?.maxUnavailable.notReadyOrUnschedulable).toBeGreaterThanOrEqual(1);
    expect(kube?.maxUnavailable.notReadyOrUnschedulable).toBeLessThanOrEqual(2);
    // Kubernetes after Talos: no API server or kubelet moved before every node ran 1.13.
    const index = (c: VersionChange) => changes.indexOf(c);
    const lastTalos = Math.max(...changes.filter((c) => c.component === 'talos').map(index));
    const kubernetesChanges = changes.filter((c) => c.component !== 'talos');
    expect(kubernetesChanges.length).toBeGreaterThan(0);
    expect(Math.min(...kubernetesChanges.map(index))).toBeGreaterThan(lastTalos);
    const apiServers = kubernetesChanges.filter((c) => c.component === 'apiserver').map((c) => short(c.node));
    expect(apiServers).toEqual(CPS);
    const kubelets = kubernetesChanges.filter((c) => c.component === 'kubelet');
    expect(kubelets.map((c) => short(c.node))).toEqual([...CPS, ...WORKERS]);
    expect(kubelets.every((c) => c.from === OLD.kubernetes && c.to === NEW.kubernetes)).toBe(true);

    // Every node on the new versions, in Talos and in Kubernetes, and schedulable again.
    expect(talosNodes().map((n) => n.version)).toEqual(Array(6).fill(NEW.talos));
    expect(kubectlNodes(ws)).toEqual(
      [...CPS, ...WORKERS].map((name) => ({
        name,
        osImage: `Talos (${NEW.talos})`,
        kubelet: NEW.kubernetes,
        unschedulable: false,
      })),
    );
    // The cluster's readiness gate is the last thing of the run, after the Kubernetes upgrade.
    const journal = events(ws);
    const lastKubernetesStep = Math.max(
      ...journal
        .filter((e) => e.type === 'ActionSucceeded' && e.data.action?.startsWith('upgrade-kubernetes:'))
        .map((e) => e.seq),
    );
    const readyChecks = journal.filter(
      (e) => e.type === 'ActionStarted' && e.data.action === 'wait:cluster.ready' && e.seq > resumedAt,
    );
    expect(readyChecks.length).toBeGreaterThan(0);
    for (const check of readyChecks) expect(check.seq).toBeGreaterThan(lastKubernetesStep);
    const next = ws.run('plan', '--sandbox', '--detailed-exitcode');
    expect(next.code, next.stdout + next.stderr).toBe(0);
    expect(next.stdout).toContain('No changes');
  }, 900_000);

  it('a node that comes back on 1.12 fails the run by name, before Kubernetes moves', async () => {
    const ws = createCluster(1, 1);
    // Kubernetes v1.36 alone is refused on Talos 1.12, with the way there: both in one edit.
    ws.writeSpec(SPEC({ talos: OLD.talos, kubernetes: NEW.kubernetes }, 1, 1));
    const refused = ws.run('validate');
    expect(refused.code, refused.stdout + refused.stderr).toBe(4);
    expect(refused.stderr).toContain(`Kubernetes ${NEW.kubernetes} is not supported by Talos ${OLD.talos}`);
    expect(refused.stderr).toContain('set talos.version to one of them in the same edit');

    await sandbox('/_sandbox/talos/faults', { upgradeFallsBack: [`${CLUSTER}-w-1`] });
    ws.writeSpec(SPEC(NEW, 1, 1));
    const accepted = ws.run('validate');
    expect(accepted.code, accepted.stdout + accepted.stderr).toBe(0);
    const failed = await runLong(ws, 'apply', '--sandbox', '--auto-approve');
    expect(failed.code, failed.stdout + failed.stderr).not.toBe(0);
    const failure = events(ws).find((e) => e.type === 'ActionFailed');
    expect(failure?.data.action).toBe(`upgrade:talos.node.w.1@${NEW.talos}`);
    expect(failure?.data.error?.message).toContain(
      `${CLUSTER}-w-1 came back on Talos ${OLD.talos}, not ${NEW.talos}: the upgrade did not take`,
    );
    expect(failed.stdout + failed.stderr).toContain(`${CLUSTER}-w-1 came back on Talos ${OLD.talos}`);
    expect(talosNodes().map((n) => `${short(n.name)} ${n.version}`)).toEqual([
      `cp-1 ${NEW.talos}`,
      `w-1 ${OLD.talos}`,
    ]);
    // Kubernetes waits for every Talos upgrade: nothing of it started.
    const kubernetesSteps = events(ws).filter((e) => e.data.action?.startsWith('upgrade-kubernetes:'));
    expect(kubernetesSteps.length).toBeGreaterThan(0);
    expect(kubernetesSteps.every((e) => e.type === 'ActionSkipped')).toBe(true);
    expect(kubectlNodes(ws).map((n) => n.kubelet)).toEqual([OLD.kubernetes, OLD.kubernetes]);

    // Planned again from what the node reports, then finished by resume.
    await sandbox('/_sandbox/talos/faults', { upgradeFallsBack: [] });
    const plan = ws.run('plan', '--sandbox');
    expect(plan.stdout).toContain('talos.node.w.1');
    expect(plan.stdout).toContain(`${OLD.talos} → ${NEW.talos}`);
    const resume = await runLong(ws, 'resume', '--sandbox', '--auto-approve');
    expect(resume.code, resume.stdout + resume.stderr).toBe(0);
    expect(talosNodes().map((n) => n.version)).toEqual([NEW.talos, NEW.talos]);
    expect(kubectlNodes(ws).map((n) => `${n.osImage} ${n.kubelet}`)).toEqual(
      Array(2).fill(`Talos (${NEW.talos}) ${NEW.kubernetes}`),
    );
  }, 600_000);
});

/**
 * A Kubernetes minor upgrade with the built CLI on the sandbox: a 3 + 2 cluster created on v1.35.4,
 * then `kubernetes.version: v1.36.3`. The plan lists every step; the sandbox's record shows the API
 * servers moved one at a time before any kubelet; kubectl sees every node and the API server on the
 * target; the next plan is empty. Killed mid-upgrade, `resume` finishes without redoing a step.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sandboxDirFor, workspace, type Workspace } from '../support/cli.js';

const SPEC = readFileSync('test/fixtures/cluster-3-2-k8s.yaml', 'utf8');
const OLD = 'v1.35.4';
const NEW = 'v1.36.3';
const SPEED = 0.05;
const sandboxDir = sandboxDirFor('kube-upgrade');
// A cluster is created, then upgraded in 18 steps: minutes on a loaded machine.
const TEST_TIMEOUT_MS = 300_000;
let control: Workspace;
let origin: string;

beforeAll(() => {
  control = workspace({ sandboxDir, speed: SPEED });
  expect(control.run('sandbox', 'start', '--speed', String(SPEED)).code).toBe(0);
  origin = new URL((JSON.parse(control.run('sandbox', 'status', '--json').stdout) as { url: string }).url)
    .origin;
});

afterAll(() => {
  control?.run('sandbox', 'stop');
});

beforeEach(() => {
  expect(control.run('sandbox', 'reset').code).toBe(0);
});

interface VersionChange {
  node: string;
  component: string;
  from: string;
  to: string;
}

async function versionChanges(): Promise<VersionChange[]> {
  const record = (await (await fetch(`${origin}/_sandbox/kube`)).json()) as {
    clusters: Array<{ name: string; versionChanges: VersionChange[] }>;
  };
  return record.clusters.find((c) => c.name === 'kube-e2e')?.versionChanges ?? [];
}

function kubectl(ws: Workspace, ...args: string[]): string {
  return execFileSync('kubectl', ['--kubeconfig', join(ws.dir, 'kubeconfig'), ...args], { encoding: 'utf8' });
}

type Event = { type: string; data: { action?: string; address?: string } };

function events(ws: Workspace): Event[] {
  const file = join(ws.dir, '.hk8s', 'kube-e2e', 'events.jsonl');
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

function createCluster(): Workspace {
  const ws = workspace({ sandboxDir, speed: SPEED });
  ws.writeSpec(SPEC);
  const apply = ws.run('apply', '--sandbox', '--auto-approve');
  expect(apply.code, apply.stdout + apply.stderr).toBe(0);
  expect(ws.run('kubeconfig', '-o', 'kubeconfig').code).toBe(0);
  return ws;
}

const CPS = ['kube-e2e-cp-1', 'kube-e2e-cp-2', 'kube-e2e-cp-3'];
const WORKERS = ['kube-e2e-w-1', 'kube-e2e-w-2'];

function expectUpgraded(ws: Workspace) {
  const nodes = kubectl(ws, 'get', 'nodes', '--no-headers');
  const rows = nodes.trim().split('\n');
  expect(rows).toHaveLength(5);
  for (const row of rows) expect(row).toMatch(new RegExp(`\\sReady\\s.*\\s${NEW.replace(/\./g, '\\.')}$`));
  const version = JSON.parse(kubectl(ws, 'version', '-o', 'json')) as {
    serverVersion: { gitVersion: string };
  };
  expect(version.serverVersion.gitVersion).toBe(NEW);
  const plan = ws.run('plan', '--sandbox', '--detailed-exitcode');
  expect(plan.code, plan.stdout + plan.stderr).toBe(0);
}

describe('Kubernetes upgrade on the sandbox', () => {
  it(
    'one minor up: component by component, node by node, kubelets after every API server',
    async () => {
      const ws = createCluster();
      expect(kubectl(ws, 'get', 'nodes', '--no-headers')).toContain(OLD);
      await fetch(`${origin}/_sandbox/kube/reset`, { method: 'POST' });

      ws.writeSpec(SPEC.replace(`version: ${OLD}`, `version: ${NEW}`));
      const plan = ws.run('plan', '--sandbox');
      expect(plan.code, plan.stderr).toBe(0);
      for (const n of [1, 2, 3]) {
        expect(plan.stdout).toContain(`server.cp.${n} kube-apiserver ${OLD} → ${NEW}`);
        expect(plan.stdout).toContain(`server.cp.${n} kubelet ${OLD} → ${NEW}`);
      }
      expect(plan.stdout).toContain(`bootstrap manifests ${OLD} → ${NEW}`);
      expect(plan.stdout).toContain('18 Kubernetes upgrade steps');
      expect(plan.stdout).not.toContain('apply-config');
      const lines = plan.stdout.split('\n');
      const at = (text: string) => lines.findIndex((l) => l.includes(text));
      expect(at(`server.cp.3 kube-apiserver`)).toBeLessThan(at(`server.cp.1 kube-controller-manager`));
      expect(at(`server.cp.3 kube-scheduler`)).toBeLessThan(at(`server.cp.1 kubelet`));
      expect(at(`server.cp.3 kubelet`)).toBeLessThan(at(`server.w.1 kubelet`));

      const apply = ws.run('apply', '--sandbox', '--auto-approve');
      expect(apply.code, apply.stdout + apply.stderr).toBe(0);

      const changes = (await versionChanges()).filter((c) => c.component !== 'talos');
      const order = (component: string) =>
        changes.filter((c) => c.component === component).map((c) => `${c.node} ${c.from}→${c.to}`);
      expect(order('apiserver')).toEqual(CPS.map((n) => `${n} ${OLD}→${NEW}`));
      expect(order('controller-manager')).toEqual(CPS.map((n) => `${n} ${OLD}→${NEW}`));
      expect(order('scheduler')).toEqual(CPS.map((n) => `${n} ${OLD}→${NEW}`));
      expect(order('kubelet')).toEqual([...CPS, ...WORKERS].map((n) => `${n} ${OLD}→${NEW}`));
      const index = (component: string, node: string) =>
        changes.findIndex((c) => c.component === component && c.node === node);
      const lastApiServer = Math.max(...CPS.map((n) => index('apiserver', n)));
      const firstKubelet = Math.min(...[...CPS, ...WORKERS].map((n) => index('kubelet', n)));
      expect(lastApiServer).toBeLessThan(firstKubelet);
      expect(Math.max(...CPS.map((n) => index('scheduler', n)))).toBeLessThan(firstKubelet);

      const proxy = kubectl(
        ws,
        'get',
        'pods',
        '-n',
        'kube-system',
        '-l',
        'k8s-app=kube-proxy',
        '-o',
        'jsonpath={.items[*].spec.containers[0].image}',
      );
      expect(proxy.split(' ').sort()).toEqual(Array(5).fill(`registry.k8s.io/kube-proxy:${NEW}`));
      expectUpgraded(ws);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'kill -9 mid-upgrade: resume continues from the step where it stopped and redoes none',
    async () => {
      const ws = createCluster();
      ws.writeSpec(SPEC.replace(`version: ${OLD}`, `version: ${NEW}`));
      const child = ws.start('apply', '--sandbox', '--auto-approve');
      let output = '';
      child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
      let exited = false;
      const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      void done.then(() => (exited = true));
      const killPoint = `upgrade-kubernetes:kubernetes.cp.2.kube-controller-manager@${NEW}`;
      while (!exited && !events(ws).some((e) => e.type === 'ActionStarted' && e.data.action === killPoint)) {
        await new Promise((r) => setTimeout(r, 2));
      }
      if (exited) throw new Error(`apply ended before the kill point:\n${output.slice(-1500)}`);
      child.kill('SIGKILL');
      await done;

      const finished = events(ws)
        .filter((e) => e.type === 'ActionSucceeded' && e.data.action?.startsWith('upgrade-kubernetes:'))
        .map((e) => e.data.action);
      expect(finished).toContain(`upgrade-kubernetes:kubernetes.cp.3.kube-apiserver@${NEW}`);
      const resumed = ws.run('resume', '--sandbox', '--auto-approve');
      expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
      // No step that had finished started again.
      const started = events(ws).filter(
        (e) => e.type === 'ActionStarted' && e.data.action?.startsWith('upgrade-kubernetes:'),
      );
      for (const id of finished) expect(started.filter((e) => e.data.action === id)).toHaveLength(1);
      expect(new Set(started.map((e) => e.data.action)).size).toBe(18);
      const changes = (await versionChanges()).filter((c) => c.component === 'apiserver');
      expect(changes.map((c) => c.node)).toEqual(CPS);
      expectUpgraded(ws);
    },
    TEST_TIMEOUT_MS,
  );
});

/**
 * From an empty project to a healthy 3 + 2 Talos cluster on the sandbox, and kill -9 during the
 * bring-up (including between Bootstrap's start and its recorded success): resume converges and
 * etcd was bootstrapped by exactly one call.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readTalosState } from '@hk8s/sandbox';
import { sandboxDirFor, workspace, type Workspace } from '../support/cli.js';

const SPEC = readFileSync('test/fixtures/cluster-3-2.yaml', 'utf8');
const SPEED = 0.05;
const sandboxDir = sandboxDirFor('talos');
let control: Workspace;

beforeAll(() => {
  control = workspace({ sandboxDir, speed: SPEED });
  expect(control.run('sandbox', 'start', '--speed', String(SPEED)).code).toBe(0);
});

afterAll(() => {
  control?.run('sandbox', 'stop');
});

// Every test is a new project with the same cluster name: start each from an empty cloud.
beforeEach(() => {
  expect(control.run('sandbox', 'reset').code).toBe(0);
});

type Event = {
  type: string;
  data: { address?: string; resource?: { address: string; id: string }; outputs?: unknown };
};

function events(ws: Workspace): Event[] {
  const file = join(ws.dir, '.hk8s', 'talos-e2e', 'events.jsonl');
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

function clusterId(ws: Workspace): string | undefined {
  const secrets = events(ws).find(
    (e) => e.type === 'ActionSucceeded' && e.data.resource?.address === 'talos.secrets',
  );
  return secrets?.data.resource?.id;
}

function bootstrapCalls(ws: Workspace): number {
  const id = clusterId(ws);
  const cluster = readTalosState(sandboxDir).clusters.find((c) => c.id === id);
  return cluster?.bootstrapCalls ?? 0;
}

async function applyAndKillWhen(ws: Workspace, reached: (e: Event[]) => boolean): Promise<void> {
  const child = ws.start('apply', '--sandbox', '--auto-approve');
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  let done = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => (done = true));
  while (!done && !reached(events(ws))) await new Promise((r) => setTimeout(r, 2));
  if (done) throw new Error(`apply ended before the kill point:\n${output.slice(-1500)}`);
  child.kill('SIGKILL');
  await exited;
}

function expectHealthy(ws: Workspace) {
  const status = ws.run('status', '--sandbox', '--json');
  expect(status.code, status.stderr).toBe(0);
  const parsed = JSON.parse(status.stdout) as { etcdMembers: string[]; healthy: boolean; nodes: unknown[] };
  expect(parsed.etcdMembers).toHaveLength(3);
  expect(parsed.nodes).toHaveLength(5);
  expect(parsed.healthy).toBe(true);
  expect(bootstrapCalls(ws)).toBe(1);
  const plan = ws.run('plan', '--sandbox', '--detailed-exitcode');
  expect(plan.code, plan.stdout).toBe(0);
}

describe('Talos bring-up on the sandbox', () => {
  it('takes an empty project to a healthy 3 + 2 cluster with a kubeconfig for the API load balancer', () => {
    const ws = workspace({ sandboxDir, speed: SPEED });
    ws.writeSpec(SPEC);
    const apply = ws.run('apply', '--sandbox', '--auto-approve');
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    expectHealthy(ws);

    const kube = ws.run('kubeconfig', '-o', 'kubeconfig');
    expect(kube.code, kube.stderr).toBe(0);
    const file = join(ws.dir, 'kubeconfig');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const lb = JSON.parse(ws.run('state', 'show', 'load_balancer.kube-api', '--json').stdout) as {
      attrs: { ipv4: string };
    };
    expect(readFileSync(file, 'utf8')).toContain(`server: https://${lb.attrs.ipv4}:6443`);
    const talos = ws.run('talosconfig', '-o', 'talosconfig');
    expect(talos.code, talos.stderr).toBe(0);
    expect(statSync(join(ws.dir, 'talosconfig')).mode & 0o777).toBe(0o600);
  });

  it('a changed node label is applied without a reboot and converges', () => {
    const ws = workspace({ sandboxDir, speed: SPEED });
    ws.writeSpec(SPEC);
    expect(ws.run('apply', '--sandbox', '--auto-approve').code).toBe(0);
    ws.writeSpec(SPEC.replace('tier: general', 'tier: batch'));
    const plan = ws.run('plan', '--sandbox', '--json');
    const actions = (JSON.parse(plan.stdout) as { graph: { actions: Array<{ id: string; mode?: string }> } })
      .graph.actions;
    const configs = actions.filter((a) => a.id.startsWith('apply-config:'));
    expect(configs.map((a) => [a.id, a.mode])).toEqual([
      ['apply-config:talos.config.w.1', 'no-reboot'],
      ['apply-config:talos.config.w.2', 'no-reboot'],
    ]);
    expect(ws.run('apply', '--sandbox', '--auto-approve').code).toBe(0);
    expect(ws.run('plan', '--sandbox', '--detailed-exitcode').code).toBe(0);
  });

  it('scaling the control planes from 3 to 1 drains, leaves etcd, deletes, and stays healthy', () => {
    const ws = workspace({ sandboxDir, speed: SPEED });
    ws.writeSpec(SPEC);
    expect(ws.run('apply', '--sandbox', '--auto-approve').code).toBe(0);
    ws.writeSpec(SPEC.replace('type: cpx22, count: 3', 'type: cpx22, count: 1'));
    const plan = JSON.parse(ws.run('plan', '--sandbox', '--json').stdout) as {
      graph: { actions: Array<{ id: string }> };
    };
    const ids = plan.graph.actions.map((a) => a.id);
    for (const n of [2, 3]) {
      expect(ids).toContain(`leave-etcd:talos.config.cp.${n}`);
      expect(ids.indexOf(`drain:server.cp.${n}`)).toBeLessThan(
        ids.indexOf(`leave-etcd:talos.config.cp.${n}`),
      );
      // The member leaves, then the server goes, then its Node object, then the record.
      const order = [
        `leave-etcd:talos.config.cp.${n}`,
        `delete:server.cp.${n}`,
        `delete:kube.node.cp.${n}`,
        `delete:talos.config.cp.${n}`,
      ].map((id) => ids.indexOf(id));
      expect(order.every((at) => at >= 0)).toBe(true);
      expect([...order].sort((a, b) => a - b)).toEqual(order);
    }
    // One member at a time, newest first.
    expect(ids.indexOf('leave-etcd:talos.config.cp.3')).toBeLessThan(
      ids.indexOf('leave-etcd:talos.config.cp.2'),
    );
    const apply = ws.run('apply', '--sandbox', '--auto-approve');
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    const status = JSON.parse(ws.run('status', '--sandbox', '--json').stdout) as {
      etcdMembers: string[];
      healthy: boolean;
    };
    expect(status.etcdMembers).toEqual(['talos-e2e-cp-1']);
    expect(status.healthy).toBe(true);
    // The drains went through the cluster's Kubernetes API, as kubectl can see.
    for (const n of [2, 3]) {
      const done = events(ws).find(
        (e) => e.type === 'ActionSucceeded' && e.data.address === `server.cp.${n}` && e.data.outputs,
      );
      expect(done?.data.outputs).toMatchObject({ drained: true });
    }
    expect(ws.run('kubeconfig', '-o', 'kubeconfig').code).toBe(0);
    const nodes = execFileSync(
      'kubectl',
      ['--kubeconfig', join(ws.dir, 'kubeconfig'), 'get', 'nodes', '-o', 'name'],
      {
        encoding: 'utf8',
      },
    );
    expect(nodes.trim().split('\n').sort()).toEqual([
      'node/talos-e2e-cp-1',
      'node/talos-e2e-w-1',
      'node/talos-e2e-w-2',
    ]);
    expect(ws.run('plan', '--sandbox', '--detailed-exitcode').code).toBe(0);
  }, 150_000);

  const points: Array<[string, (e: Event[]) => boolean]> = [
    [
      "during a node's first config",
      (e) => e.some((x) => x.type === 'ActionStarted' && x.data.address?.startsWith('talos.config.')),
    ],
    [
      "between Bootstrap's start and its recorded success",
      (e) => e.some((x) => x.type === 'ActionStarted' && x.data.address === 'talos.bootstrap'),
    ],
    [
      'after the bootstrap, before the health gate ends',
      (e) => e.some((x) => x.type === 'ActionStarted' && x.data.address === 'talos.health'),
    ],
  ];

  it.each(points)('kill -9 %s: resume converges and etcd was bootstrapped once', async (_name, reached) => {
    const ws = workspace({ sandboxDir, speed: SPEED });
    ws.writeSpec(SPEC);
    await applyAndKillWhen(ws, reached);
    const resumed = ws.run('resume', '--sandbox', '--auto-approve');
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expectHealthy(ws);
  });
});

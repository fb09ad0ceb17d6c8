/**
 * Node replacement with the built CLI on the sandbox: `--replace` of a worker and of a control
 * plane gives each a new machine (the sandbox's Hetzner API shows a new server id under the same
 * name) that joins again — the worker's Node Ready, the control plane back in etcd with the
 * members exactly the control planes — and a changed immutable field (a worker pool's location)
 * replaces the pool's servers within `maxUnavailable` (the sandbox's Kubernetes record). Each next
 * plan is empty.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxDirFor, workspace, type Workspace } from '../support/cli.js';
import { hcloud, sandboxOrigin } from '../support/sandbox-client.js';

const CLUSTER = 'rep-e2e';
const SPEC = (location: string, upgrade = '') => `
cluster: { name: ${CLUSTER}, deleteProtection: false }
firewall: { apiSources: [127.0.0.1/32] }
controlPlane:
  pools:
    - { name: cp, location: fsn1, type: cpx22, count: 3 }
workers:
  pools:
    - { name: w, location: ${location}, type: cpx32, count: 2${upgrade} }
loadBalancers:
  kubeApi: { enabled: true }
`;

const sandboxDir = sandboxDirFor('replace');
let ws: Workspace;

async function serverIds(): Promise<Record<string, { id: number; location: string }>> {
  const listed = await hcloud<{
    servers: Array<{ id: number; name: string; datacenter: { location: { name: string } } }>;
  }>(sandboxDir, 'GET', '/servers?per_page=50');
  return Object.fromEntries(
    listed.servers.map((s) => [s.name, { id: s.id, location: s.datacenter.location.name }]),
  );
}

interface KubeRecord {
  maxUnavailable: { notReadyOrUnschedulable: number };
  minAvailable: { schedulableWorkers: number };
}

async function kubeRecord(): Promise<KubeRecord | undefined> {
  const response = await fetch(`${sandboxOrigin(sandboxDir)}/_sandbox/kube`, {
    headers: { connection: 'close' },
  });
  const body = (await response.json()) as { clusters: Array<KubeRecord & { name: string }> };
  return body.clusters.find((c) => c.name === CLUSTER);
}

async function resetKubeRecord(): Promise<void> {
  await fetch(`${sandboxOrigin(sandboxDir)}/_sandbox/kube/reset`, {
    method: 'POST',
    headers: { connection: 'close', 'content-type': 'application/json' },
    body: '{}',
  });
}

function readyNodes(): string[] {
  const nodes = JSON.parse(
    execFileSync('kubectl', ['--kubeconfig', join(ws.dir, 'kubeconfig'), 'get', 'nodes', '-o', 'json'], {
      encoding: 'utf8',
    }),
  ) as {
    items: Array<{
      metadata: { name: string };
      spec: { unschedulable?: boolean };
      status: { conditions: Array<{ type: string; status: string }> };
    }>;
  };
  return nodes.items
    .filter(
      (n) =>
        !n.spec.unschedulable && n.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
    )
    .map((n) => n.metadata.name)
    .sort();
}

function expectSettled(): void {
  const plan = ws.run('plan', '--sandbox', '--detailed-exitcode');
  expect(plan.code, plan.stdout.slice(-2000)).toBe(0);
  const status = JSON.parse(ws.run('status', '--sandbox', '--json').stdout) as { etcdMembers: string[] };
  expect(status.etcdMembers).toEqual([`${CLUSTER}-cp-1`, `${CLUSTER}-cp-2`, `${CLUSTER}-cp-3`]);
  expect(readyNodes()).toEqual([
    `${CLUSTER}-cp-1`,
    `${CLUSTER}-cp-2`,
    `${CLUSTER}-cp-3`,
    `${CLUSTER}-w-1`,
    `${CLUSTER}-w-2`,
  ]);
}

beforeAll(() => {
  ws = workspace({ sandboxDir, speed: 0.01 });
  expect(ws.run('sandbox', 'start', '--speed', '0.01').code).toBe(0);
  ws.writeSpec(SPEC('fsn1'));
  const apply = ws.run('apply', '--sandbox', '--auto-approve');
  expect(apply.code, apply.stdout.slice(-2000) + apply.stderr).toBe(0);
  expect(ws.run('kubeconfig', '-o', 'kubeconfig').code).toBe(0);
}, 240_000);

afterAll(() => {
  ws?.run('sandbox', 'stop');
});

describe('replacing nodes on the sandbox', () => {
  it('--replace server.w.2: a new machine under the same name, drained first, Ready again', async () => {
    const before = await serverIds();
    const plan = ws.run('plan', '--sandbox', '--replace', 'server.w.2', '--json');
    expect(plan.code, plan.stderr).toBe(0);
    const ids = (JSON.parse(plan.stdout) as { graph: { actions: Array<{ id: string }> } }).graph.actions.map(
      (a) => a.id,
    );
    expect(ids).toContain('drain:server.w.2');
    expect(ids).toContain('replace:server.w.2');
    const apply = ws.run('apply', '--sandbox', '--auto-approve', '--replace', 'server.w.2');
    expect(apply.code, apply.stdout.slice(-2000) + apply.stderr).toBe(0);
    const after = await serverIds();
    expect(after[`${CLUSTER}-w-2`]?.id).not.toBe(before[`${CLUSTER}-w-2`]?.id);
    expect(after[`${CLUSTER}-w-1`]?.id).toBe(before[`${CLUSTER}-w-1`]?.id);
    expectSettled();
  }, 300_000);

  it('--replace server.cp.1: the old member leaves etcd, the new machine joins, quorum kept', async () => {
    const before = await serverIds();
    const apply = ws.run('apply', '--sandbox', '--auto-approve', '--replace', 'server.cp.1');
    expect(apply.code, apply.stdout.slice(-2000) + apply.stderr).toBe(0);
    const after = await serverIds();
    expect(after[`${CLUSTER}-cp-1`]?.id).not.toBe(before[`${CLUSTER}-cp-1`]?.id);
    expect(after[`${CLUSTER}-cp-2`]?.id).toBe(before[`${CLUSTER}-cp-2`]?.id);
    expectSettled();
  }, 300_000);

  it('a worker pool moved to another location is replaced server by server, within maxUnavailable', async () => {
    await resetKubeRecord();
    ws.writeSpec(SPEC('nbg1'));
    const plan = ws.run('plan', '--sandbox');
    expect(plan.stdout).toMatch(/server\.w\.1.*replace|replace.*server\.w\.1/);
    const apply = ws.run('apply', '--sandbox', '--auto-approve');
    expect(apply.code, apply.stdout.slice(-2000) + apply.stderr).toBe(0);
    const after = await serverIds();
    expect(after[`${CLUSTER}-w-1`]?.location).toBe('nbg1');
    expect(after[`${CLUSTER}-w-2`]?.location).toBe('nbg1');
    expect(after[`${CLUSTER}-cp-1`]?.location).toBe('fsn1');
    expect((await kubeRecord())?.maxUnavailable.notReadyOrUnschedulable).toBeLessThanOrEqual(1);
    expectSettled();
  }, 300_000);

  it('maxSurge 1: a surge node joins before the replaced worker drains and is gone after; capacity kept', async () => {
    ws.writeSpec(SPEC('nbg1', ', upgrade: { maxSurge: 1 }'));
    const plan = ws.run('plan', '--sandbox', '--replace', 'server.w.1', '--json');
    expect(plan.code, plan.stderr).toBe(0);
    const ids = (JSON.parse(plan.stdout) as { graph: { actions: Array<{ id: string }> } }).graph.actions.map(
      (a) => a.id,
    );
    expect(ids).toEqual(
      expect.arrayContaining(['create:server.w.s1', 'replace:server.w.1', 'delete:server.w.s1']),
    );
    const before = await serverIds();
    await resetKubeRecord();
    const apply = ws.run('apply', '--sandbox', '--auto-approve', '--replace', 'server.w.1');
    expect(apply.code, apply.stdout.slice(-2000) + apply.stderr).toBe(0);
    const after = await serverIds();
    expect(after[`${CLUSTER}-w-1`]?.id).not.toBe(before[`${CLUSTER}-w-1`]?.id);
    expect(after[`${CLUSTER}-w-2`]?.id).toBe(before[`${CLUSTER}-w-2`]?.id);
    expect(Object.keys(after).filter((name) => /-s\d+$/.test(name))).toEqual([]);
    // Two workers could take pods at every moment: the surge node stood in for the replaced one.
    expect((await kubeRecord())?.minAvailable.schedulableWorkers).toBe(2);
    expectSettled();
  }, 300_000);
});

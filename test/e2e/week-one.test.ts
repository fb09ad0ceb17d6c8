/**
 * The changes a platform engineer makes in a first week, through the built CLI against one sandbox
 * cluster: each either plans and applies, and then plans nothing (none is silently ignored), or is
 * refused by `validate` naming the field (exit 4) before anything is planned.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxDirFor, workspace, type Workspace } from '../support/cli.js';
import { hcloud, world } from '../support/sandbox-client.js';

const sandboxDir = sandboxDirFor('week-one');
let ws: Workspace;

interface Pool {
  name: string;
  location: string;
  type: string;
  count: number;
  labels?: Record<string, string>;
}

/** The spec as the week goes on: every applied change is kept for the next one. */
const state = {
  pools: [
    { name: 'a', location: 'fsn1', type: 'cpx22', count: 1 },
    { name: 'b', location: 'fsn1', type: 'cpx22', count: 1 },
    { name: 'c', location: 'fsn1', type: 'cpx22', count: 1 },
  ] as Pool[],
  rules: [] as string[],
  kubeApi: false,
  hcloud: '',
  /** Lines added to the cluster section. */
  cluster: '',
  extra: '',
};

function specText(): string {
  const pools = state.pools.map((pool) => {
    const labels = pool.labels ? `, labels: ${JSON.stringify(pool.labels)}` : '';
    return `    - { name: ${pool.name}, location: ${pool.location}, type: ${pool.type}, count: ${pool.count}${labels} }`;
  });
  return [
    'cluster:',
    '  name: week-one',
    '  deleteProtection: false',
    state.cluster,
    state.hcloud,
    'firewall:',
    '  apiSources: [127.0.0.1/32]',
    `  extraRules: [${state.rules.join(', ')}]`,
    'controlPlane:',
    '  pools:',
    '    - { name: cp, location: fsn1, type: cpx22, count: 1 }',
    'workers:',
    '  pools:',
    ...pools,
    'loadBalancers:',
    '  kubeApi:',
    `    enabled: ${state.kubeApi}`,
    state.extra,
    '',
  ]
    .filter((line) => line !== '')
    .join('\n');
}

function write(): void {
  ws.writeSpec(`${specText()}\n`);
}

function applyAndConverge(): string {
  write();
  const apply = ws.run('apply', '--sandbox', '--auto-approve');
  expect(apply.code, apply.stdout + apply.stderr).toBe(0);
  expect(apply.stdout).toMatch(/succeeded: \d+ succeeded, 0 failed, 0 skipped/);
  const again = ws.run('plan', '--sandbox', '--detailed-exitcode');
  expect(again.code, again.stdout + again.stderr).toBe(0);
  expect(again.stdout).toContain('No changes');
  return apply.stdout;
}

function plannedIds(): string[] {
  write();
  const plan = ws.run('plan', '--sandbox', '--json');
  expect(plan.code, plan.stderr).toBe(0);
  return (JSON.parse(plan.stdout) as { graph: { actions: Array<{ id: string }> } }).graph.actions.map(
    (action) => action.id,
  );
}

beforeAll(() => {
  ws = workspace({ sandboxDir });
  write();
  expect(ws.run('sandbox', 'start', '--speed', '0.01').code).toBe(0);
});

afterAll(() => {
  ws?.run('sandbox', 'stop');
});

describe('week-one changes on one sandbox cluster', () => {
  it('hcloud.endpoint and hcloud.token.env: a plan without --sandbox goes where the spec says', () => {
    const status = ws.run('sandbox', 'status', '--json');
    expect(status.code, status.stderr).toBe(0);
    const url = (JSON.parse(status.stdout) as { url: string }).url;
    state.hcloud = `hcloud:\n  endpoint: ${url}\n  token: { env: WEEK_ONE_TOKEN }`;
    write();
    const missing = ws.run('plan');
    expect(missing.code, missing.stdout + missing.stderr).toBe(10);
    expect(missing.stderr).toContain('WEEK_ONE_TOKEN is empty');
    ws.env.WEEK_ONE_TOKEN = 'sandbox';
    const plan = ws.run('plan', '--json');
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('create:server.a.1');
    state.hcloud = '';
    delete ws.env.WEEK_ONE_TOKEN;
  });

  it('creates the cluster, and a second plan is empty', () => {
    applyAndConverge();
  });

  it('kubeconfigPath and talosconfigPath: written 0600 (also over a 0644 file), and usable', () => {
    writeFileSync(join(ws.dir, 'kubeconfig'), 'stale\n');
    chmodSync(join(ws.dir, 'kubeconfig'), 0o644);
    state.cluster = '  kubeconfigPath: ./kubeconfig\n  talosconfigPath: ./talosconfig';
    write();
    const apply = ws.run('apply', '--sandbox', '--auto-approve');
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    expect(apply.stdout).toContain('No changes');
    expect(apply.stderr).toContain('Wrote the kubeconfig to ./kubeconfig (cluster.kubeconfigPath).');
    for (const file of ['kubeconfig', 'talosconfig']) {
      expect(statSync(join(ws.dir, file)).mode & 0o777, file).toBe(0o600);
    }
    const nodes = execFileSync(
      'kubectl',
      ['--kubeconfig', join(ws.dir, 'kubeconfig'), 'get', 'nodes', '-o', 'name'],
      {
        encoding: 'utf8',
      },
    );
    expect(nodes).toContain('node/week-one-cp-1');
    const talosconfig = parse(readFileSync(join(ws.dir, 'talosconfig'), 'utf8')) as {
      contexts: Record<string, { endpoints: string[] }>;
    };
    expect(talosconfig.contexts['week-one']?.endpoints).toHaveLength(1);
    // Current files are left alone: the talosconfig is not re-issued on every run.
    const before = readFileSync(join(ws.dir, 'talosconfig'), 'utf8');
    const again = ws.run('apply', '--sandbox', '--auto-approve');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toContain('Wrote the');
    expect(readFileSync(join(ws.dir, 'talosconfig'), 'utf8')).toBe(before);
  });

  it('a worker more', () => {
    state.pools[0]!.count = 2;
    expect(plannedIds()).toContain('create:server.a.2');
    applyAndConverge();
  });

  it('another server type', async () => {
    state.pools[2]!.type = 'cpx32';
    expect(plannedIds()).toContain('update:server.c.1');
    applyAndConverge();
    const listed = await hcloud<{ servers: Array<{ name: string; server_type: { name: string } }> }>(
      sandboxDir,
      'GET',
      '/servers?per_page=50',
    );
    const c1 = listed.servers.find((server) => server.name === 'week-one-c-1');
    expect(c1?.server_type.name).toBe('cpx32');
  });

  it('a firewall rule', () => {
    state.rules.push("{ description: web, direction: in, protocol: tcp, port: '443' }");
    expect(plannedIds()).toContain('update:firewall.main');
    applyAndConverge();
  });

  it('a label', () => {
    state.pools[0]!.labels = { tier: 'batch' };
    expect(plannedIds()).toContain('update:server.a.1');
    applyAndConverge();
  });

  it('a second pool in another location', () => {
    state.pools.push({ name: 'd', location: 'nbg1', type: 'cpx22', count: 1 });
    expect(plannedIds()).toContain('create:server.d.1');
    applyAndConverge();
  });

  it('the Kubernetes API load balancer, and the kubeconfigPath file follows the new endpoint', async () => {
    const serverOf = () =>
      (
        parse(readFileSync(join(ws.dir, 'kubeconfig'), 'utf8')) as {
          clusters: Array<{ cluster: { server: string } }>;
        }
      ).clusters[0]?.cluster.server;
    const before = serverOf();
    state.kubeApi = true;
    expect(plannedIds()).toContain('create:load_balancer.kube-api');
    applyAndConverge();
    const listed = await hcloud<{
      load_balancers: Array<{ name: string; public_net: { ipv4: { ip: string } } }>;
    }>(sandboxDir, 'GET', '/load_balancers');
    const ip = listed.load_balancers[0]?.public_net.ipv4.ip;
    expect(ip).toBeDefined();
    expect(serverOf()).not.toBe(before);
    expect(serverOf()).toContain(ip);
  });

  it('removing a middle pool', async () => {
    state.pools = state.pools.filter((pool) => pool.name !== 'b');
    expect(plannedIds()).toContain('delete:server.b.1');
    applyAndConverge();
    const names = Object.values((await world(sandboxDir)).servers).map((server) => server.name);
    expect(names).not.toContain('week-one-b-1');
    expect(names).toContain('week-one-c-1');
  });

  it.each([
    [
      'keepDisk on a pool',
      'workers.pools[1].keepDisk',
      (t: string) => t.replace('type: cpx32,', 'type: cpx32, keepDisk: true,'),
    ],
    [
      'backups on a pool',
      'workers.pools[0].backups',
      (t: string) => t.replace('count: 2', 'count: 2, backups: true'),
    ],
    ['the autoscaler', 'autoscaler.enabled', (t: string) => `${t}autoscaler:\n  enabled: true\n`],
    ['a staged apply mode', 'talos.applyMode', (t: string) => `${t}talos:\n  applyMode: staged\n`],
    [
      'bare-metal config patches',
      'bareMetal.configPatches',
      (t: string) => `${t}bareMetal:\n  configPatches: [{ machine: { sysctls: { a: '1' } } }]\n`,
    ],
    [
      'turning the health check off',
      'cluster.healthcheck',
      (t: string) =>
        t.replace('  deleteProtection: false', '  deleteProtection: false\n  healthcheck: false'),
    ],
  ])('%s is refused at validate, naming %s, and plan refuses it too', (_what, field, edit) => {
    ws.writeSpec(edit(`${specText()}\n`));
    const validate = ws.run('validate');
    expect(validate.code, validate.stdout + validate.stderr).toBe(4);
    expect(validate.stderr).toMatch(
      new RegExp(`hk8s\\.yaml:\\d+:\\d+: ${field.replace(/[[\].]/g, '\\$&')}: is not supported yet \\(`),
    );
    const plan = ws.run('plan', '--sandbox');
    expect(plan.code, plan.stdout + plan.stderr).toBe(4);
    write();
  });

  it('five mistakes at once are five lines, each with file:line:col and the field, without debug flags', () => {
    ws.writeSpec(
      [
        'clustr:',
        '  name: week-one',
        'controlPlane:',
        '  pools:',
        '    - { name: cp, location: fsn9, type: cpx22, count: 1, keepDisk: true }',
        'workers:',
        '  pools:',
        '    - { name: a, location: fsn1, type: cpx22, count: -1, labls: {} }',
        '',
      ].join('\n'),
    );
    const env = { ...ws.env };
    delete ws.env.HK8S_DEBUG;
    const validate = ws.run('validate');
    Object.assign(ws.env, env);
    expect(validate.code, validate.stdout + validate.stderr).toBe(4);
    const lines = validate.stderr
      .trim()
      .split('\n')
      .map((line) => line.replace(/^Error: /, ''));
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/hk8s\.yaml:1:1: clustr: unknown field clustr; did you mean cluster\?$/);
    expect(lines[1]).toMatch(/hk8s\.yaml:5:\d+: controlPlane\.pools\[0\]\.location: must be one of fsn1, /);
    expect(lines[2]).toMatch(/hk8s\.yaml:5:\d+: controlPlane\.pools\[0\]\.keepDisk: is not supported yet \(/);
    expect(lines[3]).toMatch(/hk8s\.yaml:8:\d+: workers\.pools\[0\]\.count: must be at least 0$/);
    expect(lines[4]).toMatch(
      /hk8s\.yaml:8:\d+: workers\.pools\[0\]\.labls: unknown field labls; did you mean labels\? \(5 problems: /,
    );
    write();
  });

  it('after all that, the spec as it stands still plans nothing', () => {
    write();
    const plan = ws.run('plan', '--sandbox', '--detailed-exitcode');
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
  });
});

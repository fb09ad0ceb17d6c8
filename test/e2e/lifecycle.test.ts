/**
 * The built CLI against a sandbox process: plan → apply → empty plan → targeted changes → destroy.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxDirFor, workspace, type Workspace } from '../support/cli.js';
import { hcloud, inventory, world } from '../support/sandbox-client.js';

const SPEC = readFileSync('test/fixtures/cluster-5-5.yaml', 'utf8');
const sandboxDir = sandboxDirFor('lifecycle');
let ws: Workspace;

beforeAll(() => {
  ws = workspace({ sandboxDir });
  ws.writeSpec(SPEC);
  expect(ws.run('sandbox', 'start', '--speed', '0.01').code).toBe(0);
});

afterAll(() => {
  ws?.run('sandbox', 'stop');
});

function planJson(): {
  graph: {
    actions: Array<{ id: string; kind: string; address: string; patch?: unknown; dependsOn: string[] }>;
  };
} {
  const r = ws.run('plan', '--sandbox', '--json');
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe('cluster lifecycle on the sandbox', () => {
  it('plans every resource of a 5 + 5 cluster', () => {
    const ids = planJson().graph.actions.map((a) => a.id);
    expect(ids.filter((id) => id.startsWith('create:server.'))).toHaveLength(10);
    for (const id of [
      'create:network.main',
      'create:firewall.main',
      'create:ssh_key.main',
      'create:placement_group.control-plane',
      'create:placement_group.w-fsn-pg-1',
      'create:placement_group.w-arm-pg-1',
      'create:load_balancer.kube-api',
      'create:subnet.10.0.64.0-25',
      'create:subnet.10.0.80.0-25',
    ]) {
      expect(ids).toContain(id);
    }
  });

  it('applies it, and then a second plan has nothing to do (exit 0 with --detailed-exitcode)', async () => {
    const apply = ws.run('apply', '--sandbox', '--auto-approve');
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    expect(apply.stdout).toMatch(/succeeded: \d+ succeeded, 0 failed, 0 skipped/);
    const again = ws.run('plan', '--sandbox', '--detailed-exitcode');
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).toContain('No changes');
    const objects = inventory(await world(sandboxDir));
    expect(objects.filter((o) => o.kind === 'servers')).toHaveLength(10);
    expect(objects.filter((o) => o.kind === 'placement_groups')).toHaveLength(3);
    expect(objects.every((o) => o.labels['hk8s.io/cluster'] === 'e2e' && o.labels['hk8s.io/address'])).toBe(
      true,
    );
  });

  it.each([
    {
      change: 'a worker count',
      edit: (s: string) => s.replace('type: cax11, count: 2', 'type: cax11, count: 3'),
      expected: [
        'create:server.w-arm.3',
        'apply-config:talos.config.w-arm.3',
        'wait:talos.health',
        'wait:cluster.ready',
      ],
    },
    {
      change: 'a pool label',
      edit: (s: string) => s.replace('tier: general', 'tier: batch'),
      expected: [
        'update:server.w-fsn.1',
        'update:server.w-fsn.2',
        'update:server.w-fsn.3',
        'apply-config:talos.config.w-fsn.1',
        'apply-config:talos.config.w-fsn.2',
        'apply-config:talos.config.w-fsn.3',
        'wait:talos.health',
        'wait:cluster.ready',
      ],
    },
    {
      change: 'a firewall rule',
      edit: (s: string) => s.replace("port: '443'", "port: '8443'"),
      expected: ['update:firewall.main'],
    },
    {
      change: 'a scale-down',
      edit: (s: string) => s.replace('type: cpx31, count: 3', 'type: cpx31, count: 2'),
      expected: [
        'drain:server.w-fsn.3',
        'delete:talos.config.w-fsn.3',
        'delete:server.w-fsn.3',
        'delete:kube.node.w-fsn.3',
      ],
    },
  ])('plans exactly the change of $change', ({ edit, expected }) => {
    ws.writeSpec(edit(SPEC));
    try {
      const plan = ws.run('plan', '--sandbox', '--detailed-exitcode');
      expect(plan.code, plan.stderr).toBe(2);
      expect(
        planJson()
          .graph.actions.map((a) => a.id)
          .sort(),
      ).toEqual([...expected].sort());
    } finally {
      ws.writeSpec(SPEC);
    }
  });

  it('applies a label change in place and converges', () => {
    ws.writeSpec(SPEC.replace('tier: general', 'tier: batch'));
    expect(ws.run('apply', '--sandbox', '--auto-approve').code).toBe(0);
    expect(ws.run('plan', '--sandbox', '--detailed-exitcode').code).toBe(0);
    ws.writeSpec(SPEC);
  });

  it('a server powered off outside hk8s is planned back on, and apply starts it', async () => {
    const converge = ws.run('apply', '--sandbox', '--auto-approve');
    expect(converge.code, converge.stdout + converge.stderr).toBe(0);
    const [id] = Object.entries((await world(sandboxDir)).servers).find(
      ([, s]) => s.labels?.['hk8s.io/address'] === 'server.w-fsn.1',
    ) ?? [''];
    await hcloud(sandboxDir, 'POST', `/servers/${id}/actions/poweroff`);
    while ((await world(sandboxDir)).servers[id]?.status !== 'off')
      await new Promise((r) => setTimeout(r, 20));
    const plan = planJson().graph.actions;
    // Power on, then wait until its Node is back (Ready) before anything else may disrupt a node.
    expect(plan.map((a) => a.id)).toEqual(['update:server.w-fsn.1', 'wait:server.w-fsn.1']);
    expect(plan[0]?.patch).toEqual([{ op: 'replace', path: '/power', value: 'on' }]);
    expect(plan[1]?.dependsOn).toEqual(['update:server.w-fsn.1']);
    const apply = ws.run('apply', '--sandbox', '--auto-approve');
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    expect((await world(sandboxDir)).servers[id]?.status).toBe('running');
    expect(ws.run('plan', '--sandbox', '--detailed-exitcode').code).toBe(0);
  });

  it('refuses a saved plan once the cloud has moved on', () => {
    ws.writeSpec(SPEC.replace('type: cax11, count: 2', 'type: cax11, count: 3'));
    expect(ws.run('plan', '--sandbox', '--out', 'scale.plan').code).toBe(0);
    expect(ws.run('apply', '--sandbox', '--auto-approve').code).toBe(0);
    const stale = ws.run('apply', '--sandbox', 'scale.plan');
    expect(stale.code).toBe(7);
    expect(stale.stderr).toMatch(/stale/);
    ws.writeSpec(SPEC);
  });

  it('delete protection refuses a destroy until the spec lifts it, and deletes nothing', async () => {
    ws.writeSpec(SPEC.replace('deleteProtection: false', 'deleteProtection: true'));
    const protect = ws.run('apply', '--sandbox', '--auto-approve');
    expect(protect.code, protect.stdout + protect.stderr).toBe(0);
    const before = inventory(await world(sandboxDir)).length;
    const refused = ws.run('destroy', '--sandbox', '--auto-approve');
    expect(refused.code, refused.stdout + refused.stderr).toBe(4);
    expect(refused.stderr).toMatch(/delete-protected/);
    expect(refused.stderr).toMatch(/cluster\.deleteProtection: false/);
    expect(inventory(await world(sandboxDir))).toHaveLength(before);
    // The spec says false again: destroy lifts the protection itself, as the user asked.
    ws.writeSpec(SPEC);
  });

  it('destroy leaves no object with the cluster label', async () => {
    const destroy = ws.run('destroy', '--sandbox', '--auto-approve');
    expect(destroy.code, destroy.stdout + destroy.stderr).toBe(0);
    const left = inventory(await world(sandboxDir)).filter((o) => o.labels['hk8s.io/cluster'] === 'e2e');
    expect(left).toEqual([]);
    expect(ws.run('plan', '--sandbox', '--destroy', '--detailed-exitcode').code).toBe(0);
    // What was kept for the cluster goes with it: a new cluster of the same name gets new secrets.
    const events = readFileSync(join(ws.dir, '.hk8s', 'e2e', 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; data: { name?: string } });
    const forgotten = events.filter((e) => e.type === 'SecretForgotten').map((e) => e.data.name);
    expect(forgotten).toEqual(
      expect.arrayContaining(['talos.secrets', 'kubeconfig', 'ssh.private-key', 'ssh.public-key']),
    );
    expect(forgotten.at(-1)).toBe('talos.secrets');
  });

  it('a cluster created again under the same name gets a new Talos CA', () => {
    const plan = planJson().graph.actions.map((a) => a.id);
    expect(plan).toContain('create:talos.secrets');
  });
});

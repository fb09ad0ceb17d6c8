/**
 * Whole plans (infrastructure diff + Talos) for nodes that leave or get a new machine: the order of
 * their steps, the quorum refusals, and that removing a pool touches nothing of the others.
 */
import { describe, expect, it } from 'vitest';
import { validateSpec } from '../../../src/spec/validate.js';
import { action, after, expectInOrder, ids, planChange, spec } from './applied-cluster.js';
import type { Spec } from '../../../src/spec/schema.js';
import type { Plan } from '../../../src/plan/plan.js';
import { Hk8sError } from '../../../src/errors.js';
import { ETCD_GROUP } from '../../../src/plan/talos/removal.js';

function refusal(run: () => unknown): Hk8sError {
  try {
    run();
  } catch (error) {
    if (error instanceof Hk8sError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

const CP3 = [{ name: 'cp', count: 3 }];

describe('removing nodes', () => {
  it('a running cluster made the same way plans nothing (the harness is faithful)', () => {
    const s = spec(CP3, [{ name: 'w', count: 2 }]);
    expect(ids(planChange(s, s))).toEqual([]);
  });

  const removals: Array<{
    name: string;
    from: Spec;
    to: Spec;
    chains: Array<{ server: string; steps: string[] }>;
    counts: Partial<Plan['summary']>;
  }> = [
    {
      name: 'a worker pool 4 → 2: two drains and two deletions, each drain → server → Node → record',
      from: spec(CP3, [{ name: 'w', count: 4 }]),
      to: spec(CP3, [{ name: 'w', count: 2 }]),
      chains: ['server.w.3', 'server.w.4'].map((server) => ({
        server,
        steps: [
          `drain:${server}`,
          `delete:${server}`,
          `delete:kube.node.${server.slice(7)}`,
          `delete:talos.config.${server.slice(7)}`,
        ],
      })),
      counts: { drain: 2, delete: 6, 'leave-etcd': 0, create: 0, replace: 0 },
    },
    {
      name: 'control planes 3 → 1: each drains, leaves etcd, then its server and Node go',
      from: spec(CP3, [{ name: 'w', count: 1 }]),
      to: spec([{ name: 'cp', count: 1 }], [{ name: 'w', count: 1 }]),
      chains: ['server.cp.2', 'server.cp.3'].map((server) => {
        const rest = server.slice(7);
        return {
          server,
          steps: [
            `drain:${server}`,
            `leave-etcd:talos.config.${rest}`,
            `delete:${server}`,
            `delete:kube.node.${rest}`,
            `delete:talos.config.${rest}`,
          ],
        };
      }),
      counts: { drain: 2, 'leave-etcd': 2 },
    },
  ];

  it.each(removals)('$name', ({ from, to, chains, counts }) => {
    const plan = planChange(from, to);
    for (const { steps } of chains) expectInOrder(plan, steps);
    expect(plan.summary).toMatchObject(counts);
  });

  it('control planes leave etcd one at a time, newest first, in a group of one', () => {
    const plan = planChange(spec(CP3, []), spec([{ name: 'cp', count: 1 }], []));
    const leave3 = action(plan, 'leave-etcd:talos.config.cp.3');
    const leave2 = action(plan, 'leave-etcd:talos.config.cp.2');
    expect(leave2.dependsOn).toContain(leave3.id);
    expect([leave2.group, leave3.group]).toEqual([ETCD_GROUP, ETCD_GROUP]);
    expect(plan.graph.groups[ETCD_GROUP]).toEqual({ limit: 1 });
    expect(leave3).toMatchObject({ member: 'unit-cp-3', serverId: '102' });
  });

  it('a removed control-plane pool still leaves etcd: its role comes from the recorded config', () => {
    const from = spec(
      [
        { name: 'cp', count: 3 },
        { name: 'cpb', count: 2 },
      ],
      [],
    );
    const plan = planChange(from, spec(CP3, []), { force: true });
    expect(ids(plan)).toEqual(
      expect.arrayContaining(['leave-etcd:talos.config.cpb.1', 'leave-etcd:talos.config.cpb.2']),
    );
  });

  it('removing the middle worker pool of three touches no server, subnet or group of the others', () => {
    const pools = [
      { name: 'a', count: 2 },
      { name: 'b', count: 2 },
      { name: 'c', count: 2 },
    ];
    const plan = planChange(spec(CP3, pools), spec(CP3, [pools[0]!, pools[2]!]));
    const touched = [...new Set(plan.graph.actions.map((a) => a.address))].sort();
    expect(touched).toEqual([
      'kube.node.b.1',
      'kube.node.b.2',
      'placement_group.b-pg-1',
      'server.b.1',
      'server.b.2',
      'talos.config.b.1',
      'talos.config.b.2',
    ]);
    expect(plan.summary).toMatchObject({ drain: 2, update: 0, replace: 0, create: 0, 'apply-config': 0 });
  });

  it('a server already gone still gets its Node deleted and its etcd member removed', () => {
    const plan = planChange(
      spec(CP3, [{ name: 'w', count: 1 }]),
      spec([{ name: 'cp', count: 1 }], [{ name: 'w', count: 1 }]),
      {
        edit: (w) => {
          w.observed = w.observed.filter((o) => o.address !== 'server.cp.3');
        },
      },
    );
    expect(ids(plan)).not.toContain('drain:server.cp.3');
    expect(ids(plan)).not.toContain('delete:server.cp.3');
    expect(after(plan, 'delete:kube.node.cp.3', 'leave-etcd:talos.config.cp.3')).toBe(true);
    expect(after(plan, 'delete:talos.config.cp.3', 'delete:kube.node.cp.3')).toBe(true);
  });

  it('new capacity comes first: a renamed pool is up and healthy before the old one drains', () => {
    const plan = planChange(spec(CP3, [{ name: 'old', count: 2 }]), spec(CP3, [{ name: 'new', count: 2 }]));
    expect(after(plan, 'drain:server.old.1', 'wait:talos.health')).toBe(true);
    expect(after(plan, 'wait:talos.health', 'apply-config:talos.config.new.2')).toBe(true);
  });
});

describe('quorum refusals', () => {
  it.each([
    {
      name: '3 → 2',
      from: CP3,
      to: [{ name: 'cp', count: 2 }],
      where: 'controlPlane.pools[0].count',
      text: '3 → 2 control planes',
    },
    {
      name: '3 + 2 → 3 + 1',
      from: [
        { name: 'cp', count: 3 },
        { name: 'x', count: 2 },
      ],
      to: [
        { name: 'cp', count: 3 },
        { name: 'x', count: 1 },
      ],
      where: 'controlPlane.pools[1].count',
      text: '5 → 4 control planes',
    },
    {
      name: '1 → 2',
      from: [{ name: 'cp', count: 1 }],
      to: [{ name: 'cp', count: 2 }],
      where: 'controlPlane.pools[0].count',
      text: '1 → 2',
    },
  ])('$name ends at an even count: refused without --force, planned with it', ({ from, to, where, text }) => {
    const error = refusal(() => planChange(spec(from, []), spec(to, [])));
    expect(error.code).toBe('plan.refused');
    expect(error.where).toBe(where);
    expect(error.message).toContain(text);
    expect(error.hint).toContain('--force');
    expect(planChange(spec(from, []), spec(to, []), { force: true }).force).toBe(true);
  });

  it('an even count that does not change is not refused again', () => {
    const two = spec([{ name: 'cp', count: 2 }], [{ name: 'w', count: 2 }]);
    expect(planChange(two, spec([{ name: 'cp', count: 2 }], [{ name: 'w', count: 1 }])).summary.drain).toBe(
      1,
    );
  });

  it('never replaces the only control plane', () => {
    const one = spec([{ name: 'cp', count: 1 }], []);
    const error = refusal(() => planChange(one, one, { replace: ['server.cp.1'] }));
    expect(error).toMatchObject({ code: 'plan.refused', where: 'server.cp.1' });
    expect(error.hint).toContain('Scale the control planes to 3');
  });
});

describe('replacing nodes', () => {
  it('a replaced worker: drain → replace → old Node deleted → first config → joined', () => {
    const s = spec(CP3, [{ name: 'w', count: 2 }]);
    const plan = planChange(s, s, { replace: ['server.w.2'] });
    const steps = [
      'drain:server.w.2',
      'replace:server.w.2',
      'delete:kube.node.w.2',
      'apply-config:talos.config.w.2',
      'wait:kube.node.w.2',
    ];
    expectInOrder(plan, steps);
    expect(action(plan, 'delete:kube.node.w.2')).toMatchObject({
      before: { replaced: true, server: 'server.w.2' },
    });
    expect(action(plan, 'wait:kube.node.w.2')).toMatchObject({ condition: 'node-joined' });
    expect(ids(plan)).not.toContain('leave-etcd:talos.config.w.2');
  });

  it('replaced control planes leave etcd before their server goes, one node at a time, control planes first', () => {
    const s = spec(CP3, [{ name: 'w', count: 2 }]);
    const plan = planChange(s, s, { replace: ['server.w.1', 'server.cp.3', 'server.cp.2'] });
    expect(after(plan, 'replace:server.cp.2', 'leave-etcd:talos.config.cp.2')).toBe(true);
    expect(after(plan, 'apply-config:talos.config.cp.2', 'leave-etcd:talos.config.cp.2')).toBe(true);
    // The chain: cp.2 joins before cp.3 starts, cp.3 before w.1.
    expect(after(plan, 'drain:server.cp.3', 'wait:kube.node.cp.2')).toBe(true);
    expect(after(plan, 'drain:server.w.1', 'wait:kube.node.cp.3')).toBe(true);
    // …and no step of the first waits for the second (configs name every control plane).
    expect(after(plan, 'wait:kube.node.cp.2', 'replace:server.cp.3')).toBe(false);
  });

  it("after a control plane's replacement, the other nodes take its new addresses without a reboot", () => {
    const s = spec(CP3, [{ name: 'w', count: 1 }]);
    const plan = planChange(s, s, { replace: ['server.cp.2'] });
    for (const config of ['talos.config.cp.1', 'talos.config.cp.3', 'talos.config.w.1']) {
      const refresh = action(plan, `apply-config:${config}`);
      expect(refresh).toMatchObject({ mode: 'no-reboot' });
      expect(after(plan, refresh.id, 'wait:kube.node.cp.2')).toBe(true);
    }
    const worker = planChange(s, s, { replace: ['server.w.1'] });
    expect(worker.summary['apply-config']).toBe(1);
  });

  it('an immutable field change replaces each server of the pool in turn', () => {
    const from = spec(CP3, [{ name: 'w', count: 2 }]);
    const to = validateSpec({
      ...JSON.parse(JSON.stringify(from)),
      workers: { pools: [{ name: 'w', count: 2, location: 'nbg1', type: 'cpx32' }] },
    });
    const plan = planChange(from, to);
    expect(plan.summary.replace).toBe(2);
    expect(after(plan, 'drain:server.w.2', 'wait:kube.node.w.1')).toBe(true);
  });

  it('maxSurge: a replaced worker goes once a surge node joined, and the surge node goes once it is back', () => {
    const s = spec(CP3, [
      { name: 'w', count: 2, upgrade: { maxSurge: 1 } },
      { name: 'x', count: 1 },
    ]);
    const plan = planChange(s, s, { replace: ['server.w.2'] });
    const steps = [
      'create:server.w.s1',
      'apply-config:talos.config.w.s1',
      'wait:kube.node.w.s1',
      'drain:server.w.2',
      'replace:server.w.2',
      'wait:kube.node.w.2',
      'drain:server.w.s1',
      'delete:server.w.s1',
      'delete:kube.node.w.s1',
      'delete:talos.config.w.s1',
    ];
    expectInOrder(plan, steps);
    expect(action(plan, 'create:server.w.s1')).toMatchObject({ props: { name: 'unit-w-s1' } });
    // The surge node boots what the spec says: nothing to upgrade; the other pool gets none.
    expect(plan.summary.upgrade).toBe(0);
    expect(ids(plan).filter((id) => id.includes('.x.s') || id.includes('server.x.'))).toEqual([]);
    expect(ids(plan).filter((id) => id.includes('w.1'))).toEqual([]);
  });

  it('maxSurge: a pool moved to another location is replaced around a surge node made where it goes', () => {
    const from = spec(CP3, [{ name: 'w', count: 2, upgrade: { maxSurge: 1 } }]);
    const to = validateSpec({
      ...JSON.parse(JSON.stringify(from)),
      workers: {
        pools: [{ name: 'w', count: 2, location: 'nbg1', type: 'cpx32', upgrade: { maxSurge: 1 } }],
      },
    });
    const plan = planChange(from, to);
    expect(plan.summary.replace).toBe(2);
    expect(action(plan, 'create:server.w.s1')).toMatchObject({ props: { location: 'nbg1' } });
    for (const server of ['w.1', 'w.2']) {
      expect(after(plan, `drain:server.${server}`, 'wait:kube.node.w.s1')).toBe(true);
      expect(after(plan, 'drain:server.w.s1', `wait:kube.node.${server}`)).toBe(true);
    }
    // Still one numbered node at a time (maxUnavailable 1): surge adds capacity, not unavailability.
    expect(after(plan, 'drain:server.w.2', 'wait:kube.node.w.1')).toBe(true);
  });

  it('maxSurge: replacing only a control plane adds no worker surge', () => {
    const s = spec(CP3, [{ name: 'w', count: 2, upgrade: { maxSurge: 1 } }]);
    const plan = planChange(s, s, { replace: ['server.cp.2'] });
    expect(ids(plan).filter((id) => id.includes('.s1'))).toEqual([]);
  });

  it('a server re-created outside a replacement: the stale member and Node go before the first config', () => {
    const s = spec(CP3, []);
    const plan = planChange(s, s, {
      edit: (w) => {
        w.observed = w.observed.filter((o) => o.address !== 'server.cp.2');
        delete w.facts.servers['server.cp.2'];
      },
    });
    expect(ids(plan)).toContain('create:server.cp.2');
    expect(action(plan, 'leave-etcd:talos.config.cp.2')).toMatchObject({ serverId: '101' });
    expect(after(plan, 'apply-config:talos.config.cp.2', 'leave-etcd:talos.config.cp.2')).toBe(true);
    expect(after(plan, 'apply-config:talos.config.cp.2', 'delete:kube.node.cp.2')).toBe(true);
  });
});

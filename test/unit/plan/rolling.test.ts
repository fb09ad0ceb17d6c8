/**
 * Ordering of node-disrupting changes, table-driven: server-type changes (power off, change type,
 * power on) and replacements roll control planes one at a time with a health gate between, and
 * workers `upgrade.maxUnavailable` at a time; a server found off is planned back on.
 */
import { describe, expect, it } from 'vitest';
import { validateSpec } from '../../../src/spec/validate.js';
import { action, after, ids, planChange, spec } from './applied-cluster.js';
import type { Plan } from '../../../src/plan/plan.js';

/** The batches in which the steps of `ids` run: each id's depth among the given ids. */
function waves(plan: Plan, of: string[]): string[][] {
  const depth = new Map<string, number>();
  const level = (id: string): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    const before = of.filter((other) => other !== id && after(plan, id, other)).map(level);
    const d = before.length === 0 ? 0 : Math.max(...before) + 1;
    depth.set(id, d);
    return d;
  };
  const out: string[][] = [];
  for (const id of of) (out[level(id)] ??= []).push(id);
  return out.map((w) => w.sort());
}

const CP3 = [{ name: 'cp', count: 3 }];

describe('server-type changes roll', () => {
  it.each([
    { workers: 4, maxUnavailable: 1, expected: [['w.1'], ['w.2'], ['w.3'], ['w.4']] },
    {
      workers: 4,
      maxUnavailable: 2,
      expected: [
        ['w.1', 'w.2'],
        ['w.3', 'w.4'],
      ],
    },
    { workers: 3, maxUnavailable: 2, expected: [['w.1', 'w.2'], ['w.3']] },
    { workers: 2, maxUnavailable: 5, expected: [['w.1', 'w.2']] },
  ])(
    '$workers workers, maxUnavailable $maxUnavailable: $expected',
    ({ workers, maxUnavailable, expected }) => {
      const pool = (type: string) => [{ name: 'w', count: workers, type, upgrade: { maxUnavailable } }];
      const plan = planChange(spec(CP3, pool('cpx32')), spec(CP3, pool('cpx42')));
      const updates = ids(plan).filter((id) => id.startsWith('update:server.w.'));
      expect(waves(plan, updates)).toEqual(expected.map((w) => w.map((n) => `update:server.${n}`)));
      for (const id of updates) {
        const server = id.slice('update:'.length);
        expect(action(plan, id).dependsOn).toContain(`drain:${server}`);
        expect(action(plan, `wait:${server}`)).toMatchObject({ condition: 'node-back' });
        expect(after(plan, `wait:${server}`, id)).toBe(true);
      }
      // A batch starts once the batch before is back (Ready and uncordoned).
      for (let i = 1; i < expected.length; i++)
        for (const next of expected[i] ?? [])
          for (const prev of expected[i - 1] ?? [])
            expect(after(plan, `drain:server.${next}`, `wait:server.${prev}`)).toBe(true);
    },
  );

  it('control planes one at a time, with a health gate before and after each', () => {
    const cps = (type: string) => [{ name: 'cp', count: 3, type }];
    const plan = planChange(
      spec(cps('cpx22'), [{ name: 'w', count: 1 }]),
      spec(cps('cpx32'), [{ name: 'w', count: 1 }]),
    );
    const updates = ['update:server.cp.1', 'update:server.cp.2', 'update:server.cp.3'];
    expect(waves(plan, updates)).toEqual(updates.map((u) => [u]));
    expect(after(plan, 'drain:server.cp.1', 'wait:talos.gate.servers.before')).toBe(true);
    for (const [i, n] of ['1', '2', '3'].entries()) {
      const gate = `wait:talos.gate.servers.cp.${n}`;
      expect(action(plan, gate)).toMatchObject({ condition: 'upgrade-gate' });
      expect(after(plan, gate, `wait:server.cp.${n}`)).toBe(true);
      if (i < 2) expect(after(plan, `drain:server.cp.${Number(n) + 1}`, gate)).toBe(true);
    }
  });

  it('a server found off is planned back on, not drained, and waited for', () => {
    const s = spec(CP3, [{ name: 'w', count: 2 }]);
    const plan = planChange(s, s, {
      edit: (world) => {
        const w2 = world.observed.find((o) => o.address === 'server.w.2');
        if (w2) w2.props = { ...w2.props, power: 'off' };
      },
    });
    expect(ids(plan)).toContain('update:server.w.2');
    expect(ids(plan)).not.toContain('drain:server.w.2');
    expect(action(plan, 'wait:server.w.2')).toMatchObject({ condition: 'node-back' });
  });
});

describe('replacements roll', () => {
  it.each([
    { maxUnavailable: 1, expected: [['w.1'], ['w.2'], ['w.3']] },
    { maxUnavailable: 2, expected: [['w.1', 'w.2'], ['w.3']] },
  ])(
    'a location change of 3 workers, maxUnavailable $maxUnavailable: $expected',
    ({ maxUnavailable, expected }) => {
      const from = spec(CP3, [{ name: 'w', count: 3, upgrade: { maxUnavailable } }]);
      const to = validateSpec({
        ...JSON.parse(JSON.stringify(from)),
        workers: {
          pools: [{ name: 'w', count: 3, location: 'nbg1', type: 'cpx32', upgrade: { maxUnavailable } }],
        },
      });
      const plan = planChange(from, to);
      const replaces = ids(plan).filter((id) => id.startsWith('replace:server.w.'));
      expect(waves(plan, replaces)).toEqual(expected.map((w) => w.map((n) => `replace:server.${n}`)));
      for (let i = 1; i < expected.length; i++)
        for (const next of expected[i] ?? [])
          for (const prev of expected[i - 1] ?? [])
            expect(after(plan, `drain:server.${next}`, `wait:kube.node.${prev}`)).toBe(true);
    },
  );

  it('control planes by --replace stay one at a time whatever the workers allow', () => {
    const s = spec(CP3, [{ name: 'w', count: 2, upgrade: { maxUnavailable: 2 } }]);
    const plan = planChange(s, s, { replace: ['server.cp.1', 'server.cp.2', 'server.w.1', 'server.w.2'] });
    const replaces = [
      'replace:server.cp.1',
      'replace:server.cp.2',
      'replace:server.w.1',
      'replace:server.w.2',
    ];
    expect(waves(plan, replaces)).toEqual([
      ['replace:server.cp.1'],
      ['replace:server.cp.2'],
      ['replace:server.w.1', 'replace:server.w.2'],
    ]);
  });
});

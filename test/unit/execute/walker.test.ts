import { describe, expect, it } from 'vitest';
import { byCriticalPath, walkGraph, type WalkNode } from '../../../src/execute/walker.js';

const n = (id: string, dependsOn: string[] = [], group?: string): WalkNode => ({ id, dependsOn, group });

/** A runner whose nodes finish when the test says so, recording concurrency. */
function controlledRunner(fail: string[] = []) {
  const started: string[] = [];
  let running = 0;
  let maxRunning = 0;
  const run = async (node: WalkNode) => {
    started.push(node.id);
    running++;
    maxRunning = Math.max(maxRunning, running);
    await new Promise((r) => setImmediate(r));
    running--;
    if (fail.includes(node.id)) throw new Error(`${node.id} failed`);
  };
  return { run, started, max: () => maxRunning };
}

describe('walkGraph', () => {
  it.each([
    {
      name: 'a failure skips its dependents and only them',
      nodes: [n('a'), n('b', ['a']), n('c', ['b']), n('x'), n('y', ['x'])],
      fail: ['a'],
      expected: { a: 'failed', b: 'skipped', c: 'skipped', x: 'succeeded', y: 'succeeded' },
    },
    {
      name: 'a node waits for all its dependencies; one failure is enough to skip it',
      nodes: [n('a'), n('b'), n('c', ['a', 'b'])],
      fail: ['b'],
      expected: { a: 'succeeded', b: 'failed', c: 'skipped' },
    },
    {
      name: 'everything succeeds',
      nodes: [n('a'), n('b', ['a']), n('c', ['a'])],
      fail: [],
      expected: { a: 'succeeded', b: 'succeeded', c: 'succeeded' },
    },
  ])('$name', async ({ nodes, fail, expected }) => {
    const runner = controlledRunner(fail);
    const skipped: Array<[string, string, string | undefined]> = [];
    const status = await walkGraph(nodes, {
      parallelism: 10,
      run: runner.run,
      onSkip: (node, reason, dep) => {
        skipped.push([node.id, reason, dep]);
      },
    });
    expect(Object.fromEntries(status)).toEqual(expected);
    for (const [, reason] of skipped) expect(reason).toBe('dependency-failed');
    for (const id of Object.keys(expected)) {
      expect(runner.started.includes(id)).toBe(expected[id as keyof typeof expected] !== 'skipped');
    }
  });

  it('names the failed dependency of a skipped node', async () => {
    const skipped: Array<string | undefined> = [];
    await walkGraph([n('a'), n('b', ['a']), n('c', ['b'])], {
      parallelism: 2,
      run: controlledRunner(['a']).run,
      onSkip: (_node, _reason, dep) => {
        skipped.push(dep);
      },
    });
    expect(skipped).toEqual(['a', 'b']);
  });

  it.each([1, 3, 10])('never runs more than parallelism=%i at once', async (parallelism) => {
    const nodes = Array.from({ length: 25 }, (_, i) => n(`n${String(i).padStart(2, '0')}`));
    const runner = controlledRunner();
    await walkGraph(nodes, { parallelism, run: runner.run });
    expect(runner.max()).toBe(parallelism);
    expect(runner.started).toHaveLength(25);
  });

  it('runs a group one at a time while other nodes proceed', async () => {
    const nodes = [n('g1', [], 'cp'), n('g2', [], 'cp'), n('g3', [], 'cp'), n('free1'), n('free2')];
    const inGroup: number[] = [];
    const order: string[] = [];
    let current = 0;
    const status = await walkGraph(nodes, {
      parallelism: 10,
      groups: { cp: { limit: 1 } },
      run: async (node) => {
        order.push(`start ${node.id}`);
        if (node.group) current++;
        inGroup.push(current);
        await new Promise((r) => setImmediate(r));
        if (node.group) current--;
        order.push(`end ${node.id}`);
      },
    });
    expect(Math.max(...inGroup)).toBe(1);
    expect(Object.values(Object.fromEntries(status))).toEqual(Array(5).fill('succeeded'));
    // The free nodes ran beside the first group member, not after the whole group.
    expect(order.indexOf('start free1')).toBeLessThan(order.indexOf('end g1'));
    expect(order.indexOf('start free2')).toBeLessThan(order.indexOf('end g1'));
  });

  it('after a failure in a group, the other members and the independent nodes still run', async () => {
    const nodes = [n('g1', [], 'cp'), n('g2', [], 'cp'), n('free'), n('after-free', ['free'])];
    const runner = controlledRunner(['g1']);
    const status = await walkGraph(nodes, { parallelism: 10, groups: { cp: { limit: 1 } }, run: runner.run });
    expect(Object.fromEntries(status)).toEqual({
      g1: 'failed',
      g2: 'succeeded',
      free: 'succeeded',
      'after-free': 'succeeded',
    });
    expect([...runner.started].sort()).toEqual(['after-free', 'free', 'g1', 'g2']);
  });

  it('launches nothing after an abort, lets running nodes finish, and skips the rest as interrupted', async () => {
    const controller = new AbortController();
    const reasons = new Map<string, string>();
    const finished: string[] = [];
    const started: string[] = [];
    const status = await walkGraph([n('a'), n('b'), n('c', ['a']), n('d', ['b'])], {
      parallelism: 2,
      signal: controller.signal,
      run: async (node) => {
        started.push(node.id);
        if (started.length === 2) controller.abort();
        await new Promise((r) => setImmediate(r));
        finished.push(node.id);
      },
      onSkip: (node, reason) => {
        reasons.set(node.id, reason);
      },
    });
    expect(finished.sort()).toEqual(['a', 'b']);
    expect(Object.fromEntries(status)).toEqual({
      a: 'succeeded',
      b: 'succeeded',
      c: 'skipped',
      d: 'skipped',
    });
    expect(Object.fromEntries(reasons)).toEqual({ c: 'interrupted', d: 'interrupted' });
  });
});

describe('critical-path order', () => {
  const weights: Record<string, number> = { server: 40, config: 90, health: 30, pg: 2, fw: 2, lbt: 2 };
  const weighted = (id: string, dependsOn: string[] = []) => n(id, dependsOn);
  const weightOf = (node: WalkNode) => weights[node.id.split('-')[0]!]!;
  // Quick side work listed first (as ids sort), the long chain behind it.
  const graph = [
    weighted('fw-1'),
    weighted('fw-2'),
    weighted('pg-1'),
    weighted('server-1'),
    weighted('server-2'),
    weighted('lbt-1', ['server-1']),
    weighted('config-1', ['server-1']),
    weighted('config-2', ['server-2']),
    weighted('health-1', ['config-1', 'config-2']),
  ];

  it('with one slot, starts the heaviest chain first and still respects dependencies', async () => {
    const runner = controlledRunner();
    await walkGraph(graph, { parallelism: 1, weight: weightOf, run: runner.run });
    // Both servers (160 s of chain each) before either config (120 s), the 2 s side work last.
    expect(runner.started).toEqual([
      'server-1',
      'server-2',
      'config-1',
      'config-2',
      'health-1',
      'fw-1',
      'fw-2',
      'pg-1',
      'lbt-1',
    ]);
  });

  it('without weights, every node weighs the same: the longest chain of nodes first', async () => {
    const runner = controlledRunner();
    await walkGraph(graph, { parallelism: 1, run: runner.run });
    expect(runner.started.slice(0, 3)).toEqual(['server-1', 'server-2', 'config-1']);
  });

  it('the order is a topological order whatever the weights', () => {
    const order = byCriticalPath(graph, (node) => (node.id === 'health-1' ? 1000 : 0));
    const seen = new Set<string>();
    for (const node of order) {
      for (const dep of node.dependsOn) expect(seen.has(dep), `${node.id} before ${dep}`).toBe(true);
      seen.add(node.id);
    }
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { infraFacts, infraLayout } from '../../../src/engine/infra.js';
import { Hk8sError } from '../../../src/errors.js';
import {
  matchesAddress,
  restrictToTargets,
  toDot,
  toMermaid,
  topologicalOrder,
} from '../../../src/plan/graph.js';
import { desiredInfrastructure } from '../../../src/plan/hcloud/desired.js';
import { makePlan, type Plan } from '../../../src/plan/plan.js';
import type { Action, ActionGraph, DesiredResource, ObservedResource } from '../../../src/plan/types.js';
import { validateSpec } from '../../../src/spec/validate.js';
import { emptyState } from '../../../src/state/reducer.js';
import { shuffled } from '../../support/shuffle.js';

const node = (id: string, ...dependsOn: string[]) => ({ id, dependsOn });

describe('topologicalOrder', () => {
  it.each([
    { name: 'empty graph', nodes: [], order: [] },
    {
      name: 'independent nodes sort by id',
      nodes: [node('c'), node('a'), node('b')],
      order: ['a', 'b', 'c'],
    },
    { name: 'chain', nodes: [node('c', 'b'), node('b', 'a'), node('a')], order: ['a', 'b', 'c'] },
    {
      name: 'diamond',
      nodes: [node('d', 'b', 'c'), node('c', 'a'), node('b', 'a'), node('a')],
      order: ['a', 'b', 'c', 'd'],
    },
    {
      name: 'ready nodes taken smallest first, not in input order',
      nodes: [node('z'), node('y', 'z'), node('a', 'z')],
      order: ['z', 'a', 'y'],
    },
  ])('$name', ({ nodes, order }) => {
    expect(topologicalOrder(nodes).map((n) => n.id)).toEqual(order);
  });

  it.each([1, 2, 3, 5, 8, 13, 21, 34, 55, 89])(
    'gives the same order whatever the input order (seed %i)',
    (seed) => {
      const nodes = [node('e', 'd'), node('d', 'a'), node('c', 'a'), node('b'), node('a')];
      const input = shuffled(nodes, seed);
      expect(topologicalOrder(input).map((n) => n.id)).toEqual(['a', 'b', 'c', 'd', 'e']);
    },
  );

  it('the seeded shuffles really permute the input', () => {
    const ids = ['e', 'd', 'c', 'b', 'a'];
    const orders = new Set([1, 2, 3, 5, 8, 13, 21, 34, 55, 89].map((seed) => shuffled(ids, seed).join('')));
    expect(orders.size).toBeGreaterThan(5);
  });

  it('names the cycle in a plan.cycle error', () => {
    let error: unknown;
    try {
      topologicalOrder([node('a', 'c'), node('b', 'a'), node('c', 'b'), node('d')]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Hk8sError);
    expect((error as Hk8sError).code).toBe('plan.cycle');
    expect((error as Hk8sError).message).toMatch(/a → c → b → a|b → a → c → b|c → b → a → c/);
  });

  it('rejects a self-dependency as a cycle', () => {
    expect(() => topologicalOrder([node('a', 'a')])).toThrow(/cycle: a → a/);
  });

  it('rejects unknown dependencies and duplicate ids as bugs', () => {
    expect(() => topologicalOrder([node('a', 'x')])).toThrow(/unknown action x/);
    expect(() => topologicalOrder([node('a'), node('a')])).toThrow(/duplicate/);
  });
});

const wait = (id: string, address: string, ...dependsOn: string[]): Action => ({
  kind: 'wait',
  id,
  address,
  dependsOn,
  reason: 'test',
  condition: 'x',
});

describe('targets', () => {
  const graph: ActionGraph = {
    actions: [
      wait('create:network.main', 'network.main'),
      wait('create:subnet.worker', 'subnet.worker', 'create:network.main'),
      wait('create:server.workers.1', 'server.workers.1', 'create:subnet.worker'),
      wait('create:server.workers.2', 'server.workers.2', 'create:subnet.worker'),
      wait('create:server.cp.1', 'server.cp.1', 'create:network.main'),
    ],
    groups: {},
  };

  it.each([
    ['server.workers.2', ['create:network.main', 'create:subnet.worker', 'create:server.workers.2']],
    [
      'server.workers',
      ['create:network.main', 'create:subnet.worker', 'create:server.workers.1', 'create:server.workers.2'],
    ],
    ['network.main', ['create:network.main']],
    ['server.nothing', []],
  ])('--target %s keeps it and what it needs', (target, ids) => {
    expect(restrictToTargets(graph, [target]).actions.map((a) => a.id)).toEqual(ids);
  });

  it.each([
    ['server.workers.3', 'server.workers', true],
    ['server.workers.3', 'server.workers.3', true],
    ['server.workers-2.3', 'server.workers', false],
    ['server.workers.30', 'server.workers.3', false],
  ])('%s matches %s: %s', (address, pattern, expected) => {
    expect(matchesAddress(address, pattern)).toBe(expected);
  });

  it('renders DOT and Mermaid with every node and edge', () => {
    const dot = toDot(graph);
    expect(dot).toContain('"create:network.main" -> "create:subnet.worker";');
    expect(dot.match(/->/g)).toHaveLength(4);
    const mermaid = toMermaid(graph);
    expect(mermaid.startsWith('flowchart LR')).toBe(true);
    expect(mermaid.match(/-->/g)).toHaveLength(4);
  });
});

describe('a whole plan', () => {
  const spec = validateSpec(parse(readFileSync('test/fixtures/cluster-5-5.yaml', 'utf8')));
  const ctx = { spec, layout: infraLayout(spec), facts: infraFacts(spec, emptyState(), { resources: [] }) };
  const desired = desiredInfrastructure(ctx);
  // Half exists (changed), half is new, and one server is extra: creates, updates, replaces, deletes.
  const observed: ObservedResource[] = desired
    .filter((_, i) => i % 2 === 0)
    .map((d, i) => ({
      address: d.address,
      type: d.type,
      id: String(i + 1),
      props: { ...d.props, labels: { old: 'yes' }, ...(d.type === 'server' ? { location: 'nbg1' } : {}) },
    }));
  observed.push({ address: 'server.gone.1', type: 'server', id: '999', props: { name: 'gone' } });
  const base = { cluster: spec.cluster.name, specHash: 'h', stateHead: { seq: 3, hash: 'x' } } as const;
  const plan = (d: DesiredResource[], o: ObservedResource[]) =>
    JSON.stringify(makePlan({ ...base, command: 'apply', desired: d, observed: o }));
  const expected = plan(desired, observed);

  it('has every kind of change in it', () => {
    const kinds = new Set((JSON.parse(expected) as Plan).graph.actions.map((a) => a.kind));
    expect([...kinds].sort()).toEqual(['create', 'delete', 'drain', 'replace', 'update']);
  });

  it.each([3, 7, 11, 19, 42])('is byte-identical whatever the order of its inputs (seed %i)', (seed) => {
    expect(plan(shuffled(desired, seed), shuffled(observed, seed + 1))).toBe(expected);
  });
});

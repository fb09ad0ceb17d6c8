/**
 * What a plan costs in Hetzner API requests, measured by one sandbox process: one list per
 * resource kind, whatever the cluster's size. Only the server list grows, by pages of 50.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxDirFor, workspace, type Workspace } from '../support/cli.js';
import { OPERATIONS } from '../support/hcloud-operations.js';
import { inventory, resetStats, stats, world } from '../support/sandbox-client.js';

const SPEC = readFileSync('test/fixtures/cli/small.yaml', 'utf8');
/** One control plane plus `workers` workers. */
const specWith = (workers: number) => SPEC.replace('count: 2,', `count: ${workers},`);
const PAGE = 50; // Hetzner's maximum per_page
/** What a plan asks of Hetzner, with everything to create or not, at 100 servers or at 3. */
const MAX_PLAN_REQUESTS = 20;
/** Read when the plan creates servers: the catalogue their types, locations and image are checked against. */
const CATALOGUE = ['list_images', 'list_locations', 'list_server_types'];

/** The kinds hk8s manages, each of which a plan must list. */
const LISTS = [
  'list_firewalls',
  'list_floating_ips',
  'list_load_balancers',
  'list_networks',
  'list_placement_groups',
  'list_servers',
  'list_ssh_keys',
];

const sandboxDir = sandboxDirFor('observe-cost');
let ws: Workspace;

beforeAll(() => {
  ws = workspace({ sandboxDir });
  const started = ws.run('sandbox', 'start', '--speed', '0.01');
  expect(started.code, started.stderr).toBe(0);
});

afterAll(() => {
  ws?.run('sandbox', 'stop');
});

/** Applies a cluster of `servers` servers, then counts the requests of one plan by operation. */
async function planCost(servers: number): Promise<Record<string, Record<string, number>>> {
  ws.writeSpec(specWith(servers - 1));
  const apply = ws.run('apply', '--sandbox', '--auto-approve', '--parallelism', '20');
  expect(apply.code, apply.stdout.slice(-2000) + apply.stderr).toBe(0);
  const made = inventory(await world(sandboxDir)).filter(
    (o) => o.kind === 'servers' && o.labels['hk8s.io/cluster'] === 'cli',
  );
  expect(made).toHaveLength(servers);

  await resetStats(sandboxDir);
  expect((await stats(sandboxDir)).total).toBe(0);
  const plan = ws.run('plan', '--sandbox', '--detailed-exitcode');
  expect(plan.code, plan.stdout + plan.stderr).toBe(0);
  return (await stats(sandboxDir)).requests;
}

/** Requests per operation, all of which must have succeeded. */
function counts(requests: Record<string, Record<string, number>>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(requests).map(([op, byStatus]) => {
      expect(Object.keys(byStatus), op).toEqual(['200']);
      return [op, byStatus['200'] as number];
    }),
  );
}

/** The requests of a plan of `servers` servers in an empty project: everything to create. */
async function firstPlanCost(servers: number): Promise<Record<string, Record<string, number>>> {
  ws.writeSpec(specWith(servers - 1));
  await resetStats(sandboxDir);
  const plan = ws.run('plan', '--sandbox', '--detailed-exitcode');
  expect(plan.code, plan.stdout + plan.stderr).toBe(2);
  return (await stats(sandboxDir)).requests;
}

describe('the requests of a plan', () => {
  const measured: Record<number, Record<string, number>> = {};
  let first: Record<string, number> = {};

  beforeAll(async () => {
    first = counts(await firstPlanCost(100));
    measured[3] = counts(await planCost(3));
    measured[100] = counts(await planCost(100));
  }, 180_000);

  it.each([3, 100])('at %i servers are only lists of whole collections', (servers) => {
    const ops = Object.keys(measured[servers] ?? {});
    expect(ops).toEqual(expect.arrayContaining(LISTS));
    for (const op of ops) {
      const operation = OPERATIONS.get(op);
      expect(operation, `${op} is not in the OpenAPI document`).toBeDefined();
      expect(operation?.method, op).toBe('GET');
      expect(operation?.path, `${op} reads one resource`).not.toContain('{');
    }
  });

  it.each([3, 100])('at %i servers list each kind once, servers in pages of 50', (servers) => {
    const measuredHere = measured[servers] ?? {};
    const expected = Object.fromEntries(
      Object.keys(measuredHere).map((op) => [op, op === 'list_servers' ? Math.ceil(servers / PAGE) : 1]),
    );
    expect(measuredHere).toEqual(expected);
  });

  it('that creates everything adds one read each of the catalogue, and stays within the budget', () => {
    expect(first).toEqual(Object.fromEntries([...LISTS, ...CATALOGUE].sort().map((op) => [op, 1])));
    expect(Object.values(first).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(MAX_PLAN_REQUESTS);
  });

  it.each([3, 100])(
    'at %i servers with nothing to create read no catalogue, within the budget',
    (servers) => {
      const here = measured[servers] ?? {};
      expect(Object.keys(here).filter((op) => CATALOGUE.includes(op))).toEqual([]);
      expect(Object.values(here).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(MAX_PLAN_REQUESTS);
    },
  );

  it('cost the same at 3 and at 100 servers for every kind but servers', () => {
    const without = (m: Record<string, number> = {}) =>
      Object.fromEntries(Object.entries(m).filter(([op]) => op !== 'list_servers'));
    expect(Object.keys(measured[100] ?? {}).sort()).toEqual(Object.keys(measured[3] ?? {}).sort());
    expect(without(measured[100])).toEqual(without(measured[3]));
    expect(measured[3]?.list_servers).toBe(1);
    expect(measured[100]?.list_servers).toBe(2);
  });
});

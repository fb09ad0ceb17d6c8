/**
 * The "How to add a resource type" recipe of docs/architecture.md, followed once: a new Hetzner
 * resource type is one module (desired shape, normalize, rules, driver) plus one registry line, and
 * the generic code plans, diffs, executes and reconciles it without knowing it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { infraFacts, infraLayout } from '../../../src/engine/infra.js';
import { executeGraph, type Journal } from '../../../src/execute/execute.js';
import { hcloudDrivers } from '../../../src/execute/hcloud/runner.js';
import { noDriver, resourceRunners } from '../../../src/execute/resources.js';
import { KindDispatcher, type KindRunner } from '../../../src/execute/runners.js';
import type { ResourceRecord } from '../../../src/execute/runner.js';
import { desiredInfrastructure } from '../../../src/plan/hcloud/desired.js';
import { makePlan } from '../../../src/plan/plan.js';
import type { Action, HcloudResourceType, JsonObject, ObservedResource } from '../../../src/plan/types.js';
import { createHcloudClient } from '../../../src/providers/hcloud/index.js';
import { refId } from '../../../src/resources/hcloud/driver-kit.js';
import { addresses } from '../../../src/resources/hcloud/names.js';
import { desiredLabels, listed, stableLabels, str } from '../../../src/resources/hcloud/props.js';
import { HCLOUD_RESOURCES, type HcloudRegistry } from '../../../src/resources/registry.js';
import type { HcloudResourceModule } from '../../../src/resources/types.js';
import { validateSpec } from '../../../src/spec/validate.js';
import { emptyState } from '../../../src/state/reducer.js';

// Step 1 of the recipe (the name in `HcloudResourceType`) belongs to the type checker and cannot
// happen inside a test: this is the one narrow cast that stands in for it.
const DNS_RECORD = 'dns_record' as HcloudResourceType;

/** Only the resource kinds act here: the recipe is about a resource type, not about Talos or drains. */
function refusing<A extends Action>(): KindRunner<A> {
  const refuse = async (): Promise<never> => {
    throw new Error('not part of this test');
  };
  return { describe: () => ({}), run: refuse, reconcile: refuse };
}

function resourceDispatcher(
  api: ReturnType<typeof createHcloudClient>,
  registry: HcloudRegistry,
): KindDispatcher {
  const drivers = {
    ...hcloudDrivers(api, spec.cluster.name, registry),
    talos_secrets: noDriver('talos_secrets', 'test'),
    talos_config: noDriver('talos_config', 'test'),
    talos_bootstrap: noDriver('talos_bootstrap', 'test'),
    talos_kubeconfig: noDriver('talos_kubeconfig', 'test'),
    kube_node: noDriver('kube_node', 'test'),
    addon: noDriver('addon', 'test'),
  };
  return new KindDispatcher({
    ...resourceRunners(drivers),
    drain: refusing(),
    'leave-etcd': refusing(),
    'apply-config': refusing(),
    bootstrap: refusing(),
    upgrade: refusing(),
    wait: refusing(),
    'upgrade-kubernetes': refusing(),
  });
}

interface StoredRecord {
  id: number;
  name: string;
  target: number;
  ttl: number;
  labels: Record<string, string>;
}

/** Step 2: the module. Its "API" is an in-memory table, as a test double for the real endpoint. */
function dnsRecordModule(table: Map<number, StoredRecord>, calls: string[]): HcloudResourceModule {
  const record = (address: string, r: StoredRecord): ResourceRecord => ({
    address,
    type: DNS_RECORD,
    id: String(r.id),
    attrs: { name: r.name },
  });
  return {
    type: DNS_RECORD,
    rules: { immutable: ['/name'], createOnly: [], deleteRank: 0, drainBeforeDelete: false },
    desired: (ctx) => {
      const address = `${DNS_RECORD}.api`;
      const lb = addresses.loadBalancer('kube-api');
      return [
        {
          address,
          type: DNS_RECORD,
          dependsOn: [lb],
          props: {
            name: `api.${ctx.spec.cluster.name}`,
            target: { $ref: lb },
            ttl: 300,
            labels: desiredLabels(ctx, address),
          },
        },
      ];
    },
    observe: {
      noun: 'dns record',
      list: async () =>
        [...table.values()].map((r) =>
          listed(r, () => ({ name: r.name, ttl: r.ttl, labels: stableLabels(r.labels) })),
        ),
    },
    driver: {
      async create(ctx, props) {
        calls.push(`create ${ctx.address}`);
        const r = {
          id: 900 + table.size,
          name: str(props.name),
          target: refId(ctx, props.target) ?? 0,
          ttl: Number(props.ttl),
          labels: { 'hk8s.io/address': ctx.address },
        };
        table.set(r.id, r);
        return record(ctx.address, r);
      },
      async update(ctx, action) {
        calls.push(`update ${ctx.address}`);
        const r = table.get(Number(action.resourceId));
        if (!r) throw new Error('gone');
        r.ttl = Number(action.after.ttl);
        return record(ctx.address, r);
      },
      async delete(ctx, id) {
        calls.push(`delete ${ctx.address}`);
        table.delete(Number(id));
      },
      async find(ctx) {
        const found = [...table.values()].find((r) => r.labels['hk8s.io/address'] === ctx.address);
        return found && record(ctx.address, found);
      },
    },
  };
}

const spec = validateSpec(parse(readFileSync('test/fixtures/cluster-3-2.yaml', 'utf8')));
const base = { cluster: spec.cluster.name, specHash: 'h', stateHead: { seq: 0, hash: null } };

function setup() {
  const table = new Map<number, StoredRecord>();
  const calls: string[] = [];
  // Step 3: one registry line.
  const withDns = { ...HCLOUD_RESOURCES, dns_record: dnsRecordModule(table, calls) };
  const registry: HcloudRegistry = withDns;
  const ctx = { spec, layout: infraLayout(spec), facts: infraFacts(spec, emptyState(), { resources: [] }) };
  const desired = desiredInfrastructure(ctx, registry);
  // Everything else already exists exactly as desired, so only the new type has work to do.
  const others: ObservedResource[] = desired
    .filter((d) => d.type !== DNS_RECORD)
    .map((d, i) => ({ address: d.address, type: d.type, id: String(i + 1), props: d.props }));
  return { table, calls, registry, desired, others };
}

const journal: Journal = { append: async () => undefined };
// Never called: the new type's driver talks to its own table, and nothing else has work to do.
const api = createHcloudClient({ endpoint: 'http://127.0.0.1:9/v1', token: 'unused' });

describe('a resource type added by the recipe', () => {
  it('is desired, planned after what it references, and created through the generic runner', async () => {
    const { table, calls, registry, desired, others } = setup();
    expect(desired.filter((d) => d.type === DNS_RECORD).map((d) => d.address)).toEqual(['dns_record.api']);
    const all = makePlan({ ...base, command: 'apply', desired, observed: [] }, registry);
    expect(all.graph.actions.find((a) => a.id === 'create:dns_record.api')?.dependsOn).toEqual([
      'create:load_balancer.kube-api',
    ]);

    const plan = makePlan({ ...base, command: 'apply', desired, observed: others }, registry);
    expect(plan.graph.actions.map((a) => a.id)).toEqual(['create:dns_record.api']);
    const records = new Map(others.map((o) => [o.address, { ...o, attrs: o.props }]));
    const result = await executeGraph(plan.graph, {
      run: 'r1',
      command: 'apply',
      planHash: plan.inputsHash,
      specHash: 'h',
      hk8sVersion: '0.0.0',
      parallelism: 2,
      journal,
      runner: resourceDispatcher(api, registry),
      records,
    });
    expect(result.outcome).toBe('succeeded');
    expect(calls).toEqual(['create dns_record.api']);
    const lbId = Number(others.find((o) => o.address === 'load_balancer.kube-api')?.id);
    expect([...table.values()].map((r) => [r.name, r.target])).toEqual([['api.talos-e2e', lbId]]);
  });

  it('is diffed by its own rules: a mutable change updates, an immutable one replaces', () => {
    const { registry, desired, others } = setup();
    const want = desired.find((d) => d.type === DNS_RECORD);
    if (!want) throw new Error('the module must desire its record');
    const seen = (props: JsonObject): ObservedResource => ({ ...want, id: '900', props });
    const plan = (props: JsonObject) =>
      makePlan(
        { ...base, command: 'apply', desired, observed: [...others, seen(props)] },
        registry,
      ).graph.actions.map((a) => a.id);
    expect(plan(want.props)).toEqual([]);
    expect(plan({ ...want.props, ttl: 60 })).toEqual(['update:dns_record.api']);
    expect(plan({ ...want.props, name: 'old.talos-e2e' })).toEqual(['replace:dns_record.api']);
    const gone = makePlan(
      { ...base, command: 'destroy', desired: [], observed: [...others, seen(want.props)] },
      registry,
    );
    const del = gone.graph.actions.find((a) => a.id === 'delete:dns_record.api');
    // Delete rank 0: it goes with the servers and load balancers, before the network.
    expect(gone.graph.actions.find((a) => a.id === 'delete:network.main')?.dependsOn).toContain(del?.id);
  });

  it('is reconciled on resume through its find', async () => {
    const { table, registry } = setup();
    table.set(901, {
      id: 901,
      name: 'api.talos-e2e',
      target: 1,
      ttl: 300,
      labels: { 'hk8s.io/address': 'dns_record.api' },
    });
    const runner = resourceDispatcher(api, registry);
    const run = {
      run: 'r2',
      signal: new AbortController().signal,
      idOf: () => undefined,
      recordOf: () => undefined,
      progress: () => undefined,
      secrets: { get: () => undefined, put: async () => undefined, forget: async () => undefined },
    };
    const pending = {
      id: 'create:dns_record.api',
      kind: 'create' as const,
      address: 'dns_record.api',
      request: {},
    };
    expect(await runner.reconcile(pending, run)).toMatchObject({
      status: 'done',
      outcome: { adopted: true },
    });
    table.clear();
    expect((await runner.reconcile(pending, run)).status).toBe('not-done');
  });

  it('fails the type-check when a registry misses a type', () => {
    const { dns_record: _dns, ...rest } = { ...HCLOUD_RESOURCES, dns_record: null };
    const { volume: _volume, ...missing } = rest;
    // @ts-expect-error — `volume` has no module: the registry type is exhaustive.
    const incomplete: HcloudRegistry = missing;
    expect(Object.keys(incomplete)).not.toContain('volume');
  });
});

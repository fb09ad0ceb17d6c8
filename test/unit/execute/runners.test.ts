import { describe, expect, it } from 'vitest';
import { drainRunner, type NodeDrainer } from '../../../src/execute/drain.js';
import { kubernetesDrainer, nodeNameOf } from '../../../src/execute/kube/drainer.js';
import {
  resourceRunners,
  resourceTypeOf,
  type ResourceDriver,
  type ResourceDrivers,
} from '../../../src/execute/resources.js';
import {
  KindDispatcher,
  planAgain,
  type KindRunner,
  type KindRunners,
} from '../../../src/execute/runners.js';
import type { RunContext } from '../../../src/execute/runner.js';
import { ACTION_KINDS, type Action, type ResourceType } from '../../../src/plan/types.js';

const TYPES: ResourceType[] = [
  'network',
  'subnet',
  'firewall',
  'ssh_key',
  'placement_group',
  'server',
  'load_balancer',
  'volume',
  'talos_secrets',
  'talos_config',
  'talos_bootstrap',
  'talos_kubeconfig',
  'addon',
];

const ctx = { run: 'r', progress: () => undefined } as unknown as RunContext;

/** A driver that says which type and kind it performed. */
function recordingDriver(type: ResourceType, calls: string[]): ResourceDriver {
  const did = (kind: string) => async (action: { address: string }) => {
    calls.push(`${type} ${kind} ${action.address}`);
    return {};
  };
  return {
    describe: (action) => ({ type, kind: action.kind }),
    create: did('create'),
    update: did('update'),
    replace: did('replace'),
    delete: did('delete'),
    reconcile: async (pending) => {
      calls.push(`${type} reconcile ${pending.address}`);
      return planAgain(pending);
    },
  };
}

function recordingKind<A extends Action>(kind: string, calls: string[]): KindRunner<A> {
  return {
    describe: (action) => ({ kind, address: action.address }),
    run: async (action) => {
      calls.push(`${kind} ${action.address}`);
      return {};
    },
    reconcile: async (pending) => planAgain(pending),
  };
}

const idleDrainer: NodeDrainer = { drain: async () => ({ drained: true, evicted: 0 }) };

function dispatcher(calls: string[], drainer: NodeDrainer = idleDrainer) {
  const drivers = Object.fromEntries(TYPES.map((t) => [t, recordingDriver(t, calls)])) as ResourceDrivers;
  const runners: KindRunners = {
    ...resourceRunners(drivers),
    drain: drainRunner(drainer),
    'leave-etcd': recordingKind('leave-etcd', calls),
    'apply-config': recordingKind('apply-config', calls),
    bootstrap: recordingKind('bootstrap', calls),
    upgrade: recordingKind('upgrade', calls),
    wait: recordingKind('wait', calls),
    'upgrade-kubernetes': recordingKind('upgrade-kubernetes', calls),
  };
  return new KindDispatcher(runners);
}

const base = { dependsOn: [], reason: 'test' };

describe('runners keyed by action kind', () => {
  it('routes each kind to its runner and each resource kind by type, whatever the address', async () => {
    const calls: string[] = [];
    const runner = dispatcher(calls);
    const actions: Action[] = [
      {
        ...base,
        id: 'create:talos.secrets',
        kind: 'create',
        address: 'talos.secrets',
        type: 'talos_secrets',
        props: {},
      },
      {
        ...base,
        id: 'delete:server.w.1',
        kind: 'delete',
        address: 'server.w.1',
        type: 'server',
        resourceId: '1',
        before: {},
      },
      {
        ...base,
        id: 'delete:talos.config.cp.3',
        kind: 'delete',
        address: 'talos.config.cp.3',
        type: 'talos_config',
        resourceId: '3',
        before: {},
      },
      {
        ...base,
        id: 'leave-etcd:talos.config.cp.3',
        kind: 'leave-etcd',
        address: 'talos.config.cp.3',
        node: 'server.cp.3',
        member: 'c-cp-3',
      },
      {
        ...base,
        id: 'bootstrap:talos.bootstrap',
        kind: 'bootstrap',
        address: 'talos.bootstrap',
        node: 'server.cp.1',
      },
    ];
    for (const action of actions) await runner.run(action, ctx);
    expect(calls).toEqual([
      'talos_secrets create talos.secrets',
      'server delete server.w.1',
      'talos_config delete talos.config.cp.3',
      'leave-etcd talos.config.cp.3',
      'bootstrap talos.bootstrap',
    ]);
    expect(runner.describe(actions[0] as Action)).toEqual({ type: 'talos_secrets', kind: 'create' });
  });

  it('a drain on a server address goes to the drain runner, which reports what its drainer did', async () => {
    const drained: string[] = [];
    const drainer: NodeDrainer = {
      drain: async (node) => {
        drained.push(node);
        return { drained: true, evicted: 3 };
      },
    };
    const runner = dispatcher([], drainer);
    const drain: Action = {
      ...base,
      id: 'drain:server.w.2',
      kind: 'drain',
      address: 'server.w.2',
      node: 'server.w.2',
    };
    await expect(runner.run(drain, ctx)).resolves.toEqual({ outputs: { drained: true, evicted: 3 } });
    expect(drained).toEqual(['server.w.2']);
    expect(runner.describe(drain)).toEqual({ node: 'server.w.2' });
  });

  it('a cluster that never came up has no kubeconfig, and its drain says it evicted nothing', async () => {
    const noSecrets = {
      ...ctx,
      secrets: { get: () => undefined, put: async () => undefined, forget: async () => undefined },
    };
    const report = await kubernetesDrainer('c').drain('server.w.1', noSecrets);
    expect(report).toMatchObject({ drained: false, evicted: 0 });
    expect(report.why).toMatch(/no kubeconfig/);
  });

  it('names the Kubernetes node of a server address as Talos names it', () => {
    expect(nodeNameOf('prod', 'server.workers-fsn.12')).toBe('prod-workers-fsn-12');
    expect(() => nodeNameOf('prod', 'talos.secrets')).toThrow(/not a server address/);
  });

  it('reconciles an interrupted resource action through the driver of its address type', async () => {
    const calls: string[] = [];
    const runner = dispatcher(calls);
    for (const address of ['server.cp.1', 'talos.secrets', 'talos.config.w.1', 'subnet.10.0.64.0-25']) {
      await runner.reconcile({ id: `create:${address}`, kind: 'create', address, request: {} }, ctx);
    }
    expect(calls).toEqual([
      'server reconcile server.cp.1',
      'talos_secrets reconcile talos.secrets',
      'talos_config reconcile talos.config.w.1',
      'subnet reconcile subnet.10.0.64.0-25',
    ]);
    const unknown = await runner.reconcile(
      { id: 'create:talos.nope', kind: 'create', address: 'talos.nope', request: {} },
      ctx,
    );
    expect(unknown).toEqual({ status: 'not-done', reason: 'create is planned again from what exists' });
  });

  it('knows the resource type of every address form', () => {
    const drivers = Object.fromEntries(TYPES.map((t) => [t, recordingDriver(t, [])])) as ResourceDrivers;
    expect(resourceTypeOf('load_balancer.kube-api', drivers)).toBe('load_balancer');
    expect(resourceTypeOf('talos.kubeconfig', drivers)).toBe('talos_kubeconfig');
    expect(resourceTypeOf('talos.bootstrap', drivers)).toBe('talos_bootstrap');
    expect(resourceTypeOf('talos.health', drivers)).toBeUndefined();
    expect(resourceTypeOf('widget.main', drivers)).toBeUndefined();
  });

  it('has a runner for every declared kind (checked by the type of KindRunners)', () => {
    const calls: string[] = [];
    const drivers = Object.fromEntries(TYPES.map((t) => [t, recordingDriver(t, calls)])) as ResourceDrivers;
    // @ts-expect-error -- a table without the `wait` runner does not type-check.
    const incomplete: KindRunners = {
      ...resourceRunners(drivers),
      drain: drainRunner(idleDrainer),
      'leave-etcd': recordingKind('leave-etcd', calls),
      'apply-config': recordingKind('apply-config', calls),
      bootstrap: recordingKind('bootstrap', calls),
      'upgrade-kubernetes': recordingKind('upgrade-kubernetes', calls),
      upgrade: recordingKind('upgrade', calls),
    };
    expect(Object.keys(incomplete).sort()).toEqual(ACTION_KINDS.filter((k) => k !== 'wait').sort());
  });
});

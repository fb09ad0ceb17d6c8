import { describe, expect, it } from 'vitest';
import { Hk8sError } from '../../../src/errors.js';
import { executeGraph, type Journal } from '../../../src/execute/execute.js';
import { InterruptedError, type ActionRunner } from '../../../src/execute/runner.js';
import type { Action, ActionGraph } from '../../../src/plan/types.js';

const create = (address: string, ...dependsOn: string[]): Action => ({
  kind: 'create',
  id: `create:${address}`,
  address,
  type: 'network',
  props: { name: address },
  dependsOn: dependsOn.map((d) => `create:${d}`),
  reason: 'test',
});

function recorder() {
  const log: Array<{ type: string; data: Record<string, unknown> }> = [];
  const journal: Journal = {
    append: async (events) => {
      for (const e of events) log.push({ type: e.type, data: e.data as unknown as Record<string, unknown> });
    },
  };
  return { log, journal };
}

function runner(
  behaviour: Record<string, 'fail' | 'interrupt' | 'ok'> = {},
  calls: string[] = [],
): ActionRunner {
  return {
    describe: (action) => ({ op: action.kind, address: action.address }),
    run: async (action, ctx) => {
      calls.push(action.address);
      const what = behaviour[action.address] ?? 'ok';
      if (what === 'fail') {
        throw new Hk8sError('provider.api', 'server type is unknown', { where: action.address });
      }
      if (what === 'interrupt') throw new InterruptedError();
      const deps = action.dependsOn.map((d) => ctx.idOf(d.slice('create:'.length)));
      return {
        resource: { address: action.address, type: 'network', id: `id-${action.address}`, attrs: { deps } },
      };
    },
    reconcile: async () => ({ status: 'not-done', reason: 'test' }),
  };
}

const base = {
  run: 'r1',
  command: 'apply' as const,
  planHash: 'p',
  specHash: 's',
  hk8sVersion: '0.0.0',
  parallelism: 4,
  records: new Map(),
};

describe('executeGraph', () => {
  const graph: ActionGraph = {
    actions: [create('a'), create('b', 'a'), create('c', 'b'), create('x')],
    groups: {},
  };

  it('journals RunStarted, then ActionStarted before each call and ActionSucceeded after, then RunFinished', async () => {
    const { log, journal } = recorder();
    const calls: string[] = [];
    const result = await executeGraph(graph, { ...base, journal, runner: runner({}, calls) });
    expect(result.outcome).toBe('succeeded');
    expect(result.counts).toEqual({ succeeded: 4, failed: 0, skipped: 0 });
    expect(log[0]?.type).toBe('RunStarted');
    expect(log.at(-1)).toEqual({
      type: 'RunFinished',
      data: { outcome: 'succeeded', succeeded: 4, failed: 0, skipped: 0 },
    });
    for (const address of ['a', 'b', 'c', 'x']) {
      const started = log.findIndex((e) => e.type === 'ActionStarted' && e.data.address === address);
      const succeeded = log.findIndex((e) => e.type === 'ActionSucceeded' && e.data.address === address);
      expect(started).toBeGreaterThan(0);
      expect(succeeded).toBeGreaterThan(started);
      expect(log[started]?.data.request).toEqual({ op: 'create', address });
    }
  });

  it('passes ids of resources created earlier in the run to later actions', async () => {
    const { log, journal } = recorder();
    await executeGraph(graph, { ...base, journal, runner: runner() });
    const c = log.find((e) => e.type === 'ActionSucceeded' && e.data.address === 'c');
    expect((c?.data.resource as { attrs: unknown }).attrs).toEqual({ deps: ['id-b'] });
  });

  it('a failure skips its dependents, finishes the independent ones and records the error', async () => {
    const { log, journal } = recorder();
    const calls: string[] = [];
    const result = await executeGraph(graph, { ...base, journal, runner: runner({ a: 'fail' }, calls) });
    expect(result.outcome).toBe('failed');
    expect(result.counts).toEqual({ succeeded: 1, failed: 1, skipped: 2 });
    expect(calls.sort()).toEqual(['a', 'x']);
    expect(result.failures[0]?.error).toEqual({
      code: 'provider.api',
      message: 'server type is unknown.',
      retryable: false,
    });
    const skipped = log
      .filter((e) => e.type === 'ActionSkipped')
      .map((e) => [e.data.address, e.data.dependency]);
    expect(skipped).toEqual([
      ['b', 'create:a'],
      ['c', 'create:b'],
    ]);
  });

  it('an interrupted action is recorded as such and the run ends interrupted', async () => {
    const { log, journal } = recorder();
    const result = await executeGraph(graph, { ...base, journal, runner: runner({ b: 'interrupt' }) });
    expect(result.outcome).toBe('interrupted');
    expect(log.filter((e) => e.type === 'ActionInterrupted').map((e) => e.data.address)).toEqual(['b']);
    expect(log.at(-1)?.data.outcome).toBe('interrupted');
  });

  it('an aborted run starts nothing new and records the rest as skipped (interrupted)', async () => {
    const { log, journal } = recorder();
    const controller = new AbortController();
    controller.abort();
    const result = await executeGraph(graph, {
      ...base,
      journal,
      runner: runner(),
      signal: controller.signal,
    });
    expect(result.outcome).toBe('interrupted');
    expect(log.filter((e) => e.type === 'ActionStarted')).toHaveLength(0);
    const skipped = log.filter((e) => e.type === 'ActionSkipped');
    // Every action of the graph is skipped, each as interrupted: the list cannot be empty.
    expect(skipped.map((e) => e.data.address).sort()).toEqual(['a', 'b', 'c', 'x']);
    expect(skipped.map((e) => e.data.reason)).toEqual(Array(4).fill('interrupted'));
    expect(result.counts).toEqual({ succeeded: 0, failed: 0, skipped: 4 });
  });

  it('a journal that cannot write stops the action before its side effect', async () => {
    const calls: string[] = [];
    const journal: Journal = {
      append: async (events) => {
        if (events.some((e) => e.type === 'ActionStarted')) throw new Error('disk full');
      },
    };
    await expect(executeGraph(graph, { ...base, journal, runner: runner({}, calls) })).rejects.toMatchObject({
      code: 'state.write',
    });
    expect(calls).toEqual([]);
  });

  it('a lock lost mid-run is reported as the lost lock, not as a disk problem', async () => {
    const lost = new Hk8sError(
      'state.lock-held',
      'the lock was removed or taken over while this command held it',
    );
    const journal: Journal = {
      append: async (events) => {
        if (events.some((e) => e.type === 'ActionStarted')) throw lost;
      },
    };
    const error: unknown = await executeGraph(graph, { ...base, journal, runner: runner() }).catch(
      (e: unknown) => e,
    );
    expect(error).toBe(lost);
    expect((error as Hk8sError).hint ?? '').not.toMatch(/disk full/);
  });
});

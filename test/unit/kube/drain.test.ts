import { describe, expect, it } from 'vitest';
import { kubeOperations } from '../../../src/providers/kube/client.js';
import { DrainBlockedError, DrainRefusedError, KubeApiError } from '../../../src/providers/kube/errors.js';
import type { DrainEvent } from '../../../src/providers/kube/types.js';
import { FakeClock, FakeKube, node, pdb, pod } from './fake-kube.js';

const TIMING = {
  drainTimeoutMs: 60_000,
  podPollMs: 1000,
  evictionBackoff: { initialMs: 1000, maxMs: 5000, factor: 2 },
  retryBackoff: { initialMs: 10, maxMs: 10, factor: 1 },
  retryAttempts: 3,
};

function setup(init: ConstructorParameters<typeof FakeKube>[0]) {
  const fake = new FakeKube(init);
  const clock = new FakeClock();
  const events: DrainEvent[] = [];
  const kube = kubeOperations(fake, { ...TIMING, clock });
  const drain = (name: string, options: Parameters<typeof kube.drain>[1] = {}) =>
    kube.drain(name, { onProgress: (e) => events.push(e), ...options });
  return { fake, clock, events, kube, drain };
}

const eventsOf = <K extends DrainEvent['kind']>(events: DrainEvent[], kind: K) =>
  events.filter((e): e is Extract<DrainEvent, { kind: K }> => e.kind === kind);

describe('drain: which pods are evicted', () => {
  const w1 = [
    pod('kube-system', 'kube-proxy-a', { node: 'w1', owner: { kind: 'DaemonSet', name: 'kube-proxy' } }),
    pod('kube-system', 'kube-apiserver-w1', {
      node: 'w1',
      owner: { kind: 'Node', name: 'w1' },
      mirror: true,
    }),
    pod('default', 'web-1', { node: 'w1' }),
    pod('default', 'cache-1', { node: 'w1', emptyDir: true }),
    pod('default', 'job-1', { node: 'w1', phase: 'Succeeded', owner: { kind: 'Job', name: 'job' } }),
    pod('default', 'old-1', { node: 'w1', deleting: true }),
    pod('default', 'web-2', { node: 'w2' }),
  ];

  it('skips DaemonSet, mirror, finished and terminating pods, evicts managed and emptyDir pods, waits until gone', async () => {
    const { fake, events, drain } = setup({ nodes: [node('w1'), node('w2')], pods: w1 });
    fake.lingerLists = 2;

    const result = await drain('w1');

    expect(result.cordoned).toBe(true);
    expect(fake.nodes.get('w1')?.spec?.unschedulable).toBe(true);
    expect(result.evicted.map((e) => [e.pod.name, e.reason])).toEqual([
      ['web-1', 'managed'],
      ['cache-1', 'local-storage'],
    ]);
    expect(result.skipped.map((s) => [s.pod.name, s.reason])).toEqual([
      ['kube-proxy-a', 'daemonset'],
      ['kube-apiserver-w1', 'mirror'],
      ['job-1', 'finished'],
      ['old-1', 'terminating'],
    ]);
    expect(fake.calls.filter((c) => c.startsWith('evictPod')).sort()).toEqual([
      'evictPod default/cache-1',
      'evictPod default/web-1',
    ]);
    // Gone from the node before drain resolves; the skipped ones and the other node's pod stay.
    expect([...fake.pods.keys()].sort()).toEqual([
      'default/job-1',
      'default/old-1',
      'default/web-2',
      'kube-system/kube-apiserver-w1',
      'kube-system/kube-proxy-a',
    ]);
    expect(eventsOf(events, 'waiting-for-pods').length).toBeGreaterThanOrEqual(1);
    expect(eventsOf(events, 'drained')).toEqual([{ kind: 'drained', node: 'w1', evicted: 2 }]);
  });

  it.each([
    { force: false, evicts: 0, error: DrainRefusedError },
    { force: true, evicts: 1, error: undefined },
  ])('a pod without a controller: force=$force', async ({ force, evicts, error }) => {
    const { fake, drain } = setup({
      nodes: [node('w1')],
      pods: [pod('default', 'naked', { node: 'w1', owner: 'none' })],
    });
    const run = drain('w1', { force });
    if (error) {
      await expect(run).rejects.toBeInstanceOf(error);
      await expect(drain('w1', { force })).rejects.toThrow(/default\/naked/);
    } else {
      const result = await run;
      expect(result.evicted).toEqual([
        { pod: expect.objectContaining({ name: 'naked' }), reason: 'unmanaged' },
      ]);
    }
    expect(fake.count('evictPod')).toBe(evicts);
    expect(fake.nodes.get('w1')?.spec?.unschedulable).toBe(true);
  });

  it('counts a pod whose eviction answers 404 as already gone', async () => {
    const { fake, drain } = setup({ nodes: [node('w1')], pods: [pod('default', 'web-1', { node: 'w1' })] });
    fake.on('evictPod', () => fake.pods.delete('default/web-1'));
    const result = await drain('w1');
    expect(result.alreadyGone).toEqual([expect.objectContaining({ namespace: 'default', name: 'web-1' })]);
    expect(result.evicted).toEqual([]);
  });

  it('drains a node without pods to evict with a single list', async () => {
    const { fake, drain } = setup({ nodes: [node('w1', { unschedulable: true })], pods: [] });
    const result = await drain('w1');
    expect(result.cordoned).toBe(false);
    expect(fake.count('setUnschedulable')).toBe(0);
    expect(fake.count('listPods')).toBe(1);
  });
});

describe('drain: PodDisruptionBudgets', () => {
  const guarded = () => ({
    nodes: [node('w1')],
    pods: [pod('shop', 'web-1', { node: 'w1', labels: { app: 'web' } })],
    pdbs: [pdb('shop', 'web-pdb', { matchLabels: { app: 'web' }, minAvailable: 2, allowed: 0, healthy: 2 })],
  });

  it.each([{ relaxAfter: 1 }, { relaxAfter: 3 }])(
    'retries refused evictions and succeeds once the budget relaxes (after $relaxAfter refusals)',
    async ({ relaxAfter }) => {
      const { fake, clock, events, drain } = setup(guarded());
      fake.on('evictPod', (count) => {
        if (count === relaxAfter + 1) fake.relax('shop', 'web-pdb');
      });

      const result = await drain('w1');

      expect(result.evicted.map((e) => e.pod.name)).toEqual(['web-1']);
      expect(fake.count('evictPod')).toBe(relaxAfter + 1);
      const blocked = eventsOf(events, 'eviction-blocked');
      expect(blocked.map((b) => b.attempt)).toEqual(Array.from({ length: relaxAfter }, (_, i) => i + 1));
      expect(blocked[0]?.message).toMatch(/disruption budget web-pdb/);
      // Backoff grows: 1000, 2000, 4000 … (fake clock, no real waiting).
      expect(clock.sleeps.slice(0, relaxAfter)).toEqual([1000, 2000, 4000].slice(0, relaxAfter));
      expect(fake.pods.has('shop/web-1')).toBe(false);
    },
  );

  it('times out with a typed error naming the pod, its namespace and the budget with its numbers', async () => {
    const { fake, drain } = setup(guarded());
    const error = await drain('w1', { timeoutMs: 10_000 }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DrainBlockedError);
    const blocked = error as DrainBlockedError;
    expect(blocked.kubeCode).toBe('kube.drain-blocked');
    expect(blocked.node).toBe('w1');
    expect(blocked.message).toContain('pod web-1 in namespace shop');
    expect(blocked.message).toContain('PodDisruptionBudget shop/web-pdb');
    expect(blocked.message).toContain('currentHealthy 2, desiredHealthy 2, disruptionsAllowed 0');
    expect(blocked.message).toContain('within 10s');
    expect(blocked.hint).toMatch(/relax the PodDisruptionBudget.*hk8s resume/);
    expect(blocked.blockers).toEqual([
      {
        kind: 'eviction-refused',
        pod: expect.objectContaining({ namespace: 'shop', name: 'web-1' }),
        message: expect.stringContaining('needs 2 healthy pods'),
        budgets: [expect.objectContaining({ name: 'web-pdb', disruptionsAllowed: 0, minAvailable: 2 })],
      },
    ]);
    expect(blocked.toJSON()).toMatchObject({ kubeCode: 'kube.drain-blocked', node: 'w1' });
    // Retried until the deadline (1+2+4+3 s of backoff = 10 s → 5 attempts), then gave up; still cordoned.
    expect(fake.count('evictPod')).toBe(5);
    expect(fake.nodes.get('w1')?.spec?.unschedulable).toBe(true);
    expect(fake.pods.has('shop/web-1')).toBe(true);
  });

  it('fails a pod selected by two budgets at once, naming both', async () => {
    const init = guarded();
    init.pdbs.push(pdb('shop', 'all-pdb', { allowed: 5 }));
    init.pdbs[1]!.spec!.selector = {};
    const { fake, drain } = setup(init);
    const error = await drain('w1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DrainBlockedError);
    expect((error as DrainBlockedError).blockers[0]).toMatchObject({
      kind: 'eviction-failed',
      budgets: [{ name: 'web-pdb' }, { name: 'all-pdb' }],
    });
    expect((error as Error).message).toMatch(/more than one PodDisruptionBudget/);
    expect(fake.count('evictPod')).toBe(1);
  });

  it('reports an evicted pod that never leaves the node', async () => {
    const { fake, drain } = setup({ nodes: [node('w1')], pods: [pod('default', 'sticky', { node: 'w1' })] });
    fake.stuck.add('default/sticky');
    const error = await drain('w1', { timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DrainBlockedError);
    expect((error as DrainBlockedError).blockers).toEqual([
      { kind: 'still-terminating', pod: expect.objectContaining({ name: 'sticky' }), phase: 'Running' },
    ]);
    expect((error as DrainBlockedError).hint).toMatch(/finalizers/);
  });

  it('retries an eviction that failed in transit', async () => {
    const { fake, drain } = setup({ nodes: [node('w1')], pods: [pod('default', 'web-1', { node: 'w1' })] });
    fake.failNext('evictPod', new KubeApiError('kube.unreachable', 'connect ECONNREFUSED'));
    const result = await drain('w1');
    expect(result.evicted).toHaveLength(1);
    expect(fake.count('evictPod')).toBe(2);
  });

  it('stops at once when aborted, with the caller’s reason', async () => {
    const { fake, drain } = setup(guarded());
    const controller = new AbortController();
    fake.on('evictPod', (count) => {
      if (count === 2) controller.abort(new Error('interrupted by user'));
    });
    await expect(drain('w1', { signal: controller.signal })).rejects.toThrow('interrupted by user');
    expect(fake.count('evictPod')).toBe(2);
  });
});

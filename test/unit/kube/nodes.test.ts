import { describe, expect, it } from 'vitest';
import { kubeOperations } from '../../../src/providers/kube/client.js';
import { KubeApiError } from '../../../src/providers/kube/errors.js';
import { FakeClock, FakeKube, node } from './fake-kube.js';

function setup(
  nodes = [node('cp1', { labels: { 'node-role.kubernetes.io/control-plane': '' } }), node('w1')],
) {
  const fake = new FakeKube({ nodes });
  const clock = new FakeClock();
  const kube = kubeOperations(fake, {
    clock,
    retryBackoff: { initialMs: 100, maxMs: 100, factor: 1 },
    retryAttempts: 3,
  });
  return { fake, clock, kube };
}

describe('nodes', () => {
  it('lists nodes as summaries', async () => {
    const { kube } = setup();
    const nodes = await kube.listNodes();
    expect(nodes.map((n) => n.name)).toEqual(['cp1', 'w1']);
    expect(nodes[1]).toEqual({
      name: 'w1',
      uid: 'uid-node-w1',
      ready: true,
      readyCondition: { status: 'True', reason: 'KubeletReady' },
      unschedulable: false,
      taints: [],
      providerID: 'hcloud://2',
      kubeletVersion: 'v1.36.3',
      osImage: 'Talos (v1.13.9)',
      addresses: [
        { type: 'InternalIP', address: '10.0.1.2' },
        { type: 'Hostname', address: 'w1' },
      ],
      labels: { 'kubernetes.io/hostname': 'w1' },
    });
  });

  it.each([
    { ready: false as const, message: 'cni plugin not initialized', status: 'False', isReady: false },
    {
      ready: 'Unknown' as const,
      message: 'Kubelet stopped posting node status.',
      status: 'Unknown',
      isReady: false,
    },
    { ready: true as const, message: undefined, status: 'True', isReady: true },
  ])('reads the Ready condition $status', async ({ ready, message, status, isReady }) => {
    const { kube } = setup([node('w1', { ready, ...(message ? { message } : {}) })]);
    const info = await kube.getNode('w1');
    expect(info?.ready).toBe(isReady);
    expect(info?.readyCondition).toMatchObject({ status, ...(message ? { message } : {}) });
  });

  it('getNode of an unknown node is undefined', async () => {
    expect(await setup().kube.getNode('nope')).toBeUndefined();
  });

  it('cordon and uncordon are idempotent: a PATCH only when the value changes', async () => {
    const { fake, kube } = setup();
    const steps = [
      { op: kube.cordon, changed: true, unschedulable: true },
      { op: kube.cordon, changed: false, unschedulable: true },
      { op: kube.uncordon, changed: true, unschedulable: false },
      { op: kube.uncordon, changed: false, unschedulable: false },
    ];
    for (const step of steps) {
      const result = await step.op('w1');
      expect(result.changed).toBe(step.changed);
      expect(result.node.unschedulable).toBe(step.unschedulable);
    }
    expect(fake.calls.filter((c) => c.startsWith('setUnschedulable'))).toEqual([
      'setUnschedulable w1 true',
      'setUnschedulable w1 false',
    ]);
    expect(fake.nodes.get('w1')?.spec).not.toHaveProperty('unschedulable');
  });

  it('cordon of an unknown node fails naming it', async () => {
    const error = await setup()
      .kube.cordon('w9')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect(error).toMatchObject({ kubeCode: 'kube.not-found', where: 'node w9' });
  });

  it('deleteNode: a node already gone counts as done', async () => {
    const { fake, kube } = setup();
    expect(await kube.deleteNode('w1')).toEqual({ existed: true });
    expect(await kube.deleteNode('w1')).toEqual({ existed: false });
    expect(fake.nodes.has('w1')).toBe(false);
  });

  it.each([
    { error: new KubeApiError('kube.unreachable', 'ECONNREFUSED'), calls: 2, fails: false },
    { error: new KubeApiError('kube.unavailable', 'HTTP 503'), calls: 2, fails: false },
    { error: new KubeApiError('kube.auth', 'HTTP 401'), calls: 1, fails: true },
  ])(
    'retries a request only when it failed in transit ($error.kubeCode)',
    async ({ error, calls, fails }) => {
      const { fake, clock, kube } = setup();
      fake.failNext('listNodes', error);
      const run = kube.listNodes();
      if (fails) await expect(run).rejects.toBe(error);
      else expect(await run).toHaveLength(2);
      expect(fake.count('listNodes')).toBe(calls);
      expect(clock.sleeps).toEqual(fails ? [] : [100]);
    },
  );

  it('gives up after the configured number of attempts', async () => {
    const { fake, kube } = setup();
    for (let i = 0; i < 5; i++)
      fake.failNext('getNode', new KubeApiError('kube.unreachable', 'ECONNREFUSED'));
    await expect(kube.cordon('w1')).rejects.toThrow('ECONNREFUSED');
    expect(fake.count('getNode')).toBe(3);
  });

  it('serverVersion', async () => {
    expect(await setup().kube.serverVersion()).toEqual({ major: '1', minor: '36', gitVersion: 'v1.36.3' });
  });
});

import { describe, expect, it } from 'vitest';
import { kubeOperations } from '../../../src/providers/kube/client.js';
import { KubeApiError, NodesNotReadyError } from '../../../src/providers/kube/errors.js';
import type { NodeReadiness } from '../../../src/providers/kube/types.js';
import { FakeClock, FakeKube, node } from './fake-kube.js';

const CNI_MESSAGE = 'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady';

function setup(nodes = [node('cp1'), node('w1'), node('w2')]) {
  const fake = new FakeKube({ nodes });
  const clock = new FakeClock();
  const kube = kubeOperations(fake, { clock, nodePollMs: 2000, readyTimeoutMs: 20_000 });
  return { fake, clock, kube };
}

describe('waitNodesReady', () => {
  it('returns at once when every node is Ready', async () => {
    const { fake, kube } = setup();
    const report = await kube.waitNodesReady(['cp1', 'w1']);
    expect(report.map((r) => [r.name, r.ready, r.kubeletVersion])).toEqual([
      ['cp1', true, 'v1.36.3'],
      ['w1', true, 'v1.36.3'],
    ]);
    expect(fake.count('listNodes')).toBe(1);
  });

  it('polls until a NotReady node and a node not yet registered are Ready', async () => {
    const { fake, kube } = setup([node('cp1'), node('w1', { ready: false, message: CNI_MESSAGE })]);
    fake.on('listNodes', (count) => {
      if (count === 2) fake.nodes.set('w1', node('w1'));
      if (count === 3) fake.nodes.set('w2', node('w2'));
    });
    const progress: NodeReadiness[][] = [];
    const report = await kube.waitNodesReady(['cp1', 'w1', 'w2'], { onProgress: (r) => progress.push(r) });
    expect(report.every((r) => r.ready)).toBe(true);
    expect(fake.count('listNodes')).toBe(3);
    expect(progress[0]).toEqual([
      { name: 'cp1', registered: true, ready: true, reason: 'KubeletReady', kubeletVersion: 'v1.36.3' },
      {
        name: 'w1',
        registered: true,
        ready: false,
        reason: 'KubeletNotReady',
        message: CNI_MESSAGE,
        kubeletVersion: 'v1.36.3',
      },
      { name: 'w2', registered: false, ready: false },
    ]);
  });

  it('times out with a typed error naming each node that is not Ready and why', async () => {
    const { kube } = setup([
      node('cp1'),
      node('w1', { ready: false, message: CNI_MESSAGE }),
      node('w2', {
        ready: 'Unknown',
        reason: 'NodeStatusUnknown',
        message: 'Kubelet stopped posting node status.',
      }),
    ]);
    const error = await kube
      .waitNodesReady(['cp1', 'w1', 'w2', 'w3'], { timeoutMs: 6000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodesNotReadyError);
    const notReady = error as NodesNotReadyError;
    expect(notReady.kubeCode).toBe('kube.nodes-not-ready');
    expect(notReady.nodes.map((n) => n.name)).toEqual(['w1', 'w2', 'w3']);
    expect(notReady.message).toContain(`w1 is not Ready (KubeletNotReady: ${CNI_MESSAGE})`);
    expect(notReady.message).toContain(
      'w2 is not Ready (NodeStatusUnknown: Kubelet stopped posting node status.)',
    );
    expect(notReady.message).toContain('w3 is not registered');
    expect(notReady.message).not.toContain('cp1');
    expect(notReady.message).toContain('within 6s');
    expect(notReady.where).toBe('node w1, w2, w3');
  });

  it('waits for a caller check on Ready nodes (e.g. the kubelet version after an upgrade)', async () => {
    const { fake, kube } = setup();
    const check = (n: { kubeletVersion?: string }) =>
      n.kubeletVersion === 'v1.37.0' ? undefined : `runs kubelet ${n.kubeletVersion}, not v1.37.0`;
    fake.on('listNodes', (count) => {
      if (count === 2) fake.nodes.set('w1', node('w1', { kubeletVersion: 'v1.37.0' }));
    });
    const report = await kube.waitNodesReady(['w1'], { check });
    expect(report).toEqual([
      { name: 'w1', registered: true, ready: true, reason: 'KubeletReady', kubeletVersion: 'v1.37.0' },
    ]);

    const error = await kube.waitNodesReady(['w2'], { check, timeoutMs: 2000 }).catch((e: unknown) => e);
    expect((error as Error).message).toContain('w2 is Ready but runs kubelet v1.36.3, not v1.37.0');
  });

  it('keeps polling through requests that fail in transit and names the last failure', async () => {
    const { fake, kube } = setup();
    fake.failNext('listNodes', new KubeApiError('kube.unreachable', 'list nodes: connect ECONNREFUSED'));
    expect((await kube.waitNodesReady(['w1']))[0]?.ready).toBe(true);
    expect(fake.count('listNodes')).toBe(2);

    for (let i = 0; i < 10; i++)
      fake.failNext('listNodes', new KubeApiError('kube.unreachable', 'list nodes: ECONNREFUSED'));
    const error = await kube.waitNodesReady(['w1'], { timeoutMs: 4000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodesNotReadyError);
    expect((error as Error).message).toMatch(
      /w1 is not registered; the last request failed: list nodes: ECONNREFUSED/,
    );
  });

  it('does not retry a refused request', async () => {
    const { fake, kube } = setup();
    const refused = new KubeApiError('kube.auth', 'list nodes: HTTP 403 Forbidden');
    fake.failNext('listNodes', refused);
    await expect(kube.waitNodesReady(['w1'])).rejects.toBe(refused);
    expect(fake.count('listNodes')).toBe(1);
  });

  it('an empty list is ready without a request', async () => {
    const { fake, kube } = setup();
    expect(await kube.waitNodesReady([])).toEqual([]);
    expect(fake.count('listNodes')).toBe(0);
  });
});

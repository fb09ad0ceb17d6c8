import { describe, expect, it } from 'vitest';
import type { LabelSelector } from '../../../src/providers/kube/api.js';
import { budgetsSelecting, selectorMatches } from '../../../src/providers/kube/budgets.js';
import { classifyPod, podInfo, type PodDecision } from '../../../src/providers/kube/pods.js';
import { pdb, pod, type PodSpec } from './fake-kube.js';

describe('classifyPod', () => {
  const cases: Array<{ name: string; spec: Omit<PodSpec, 'node'>; force?: boolean; expected: PodDecision }> =
    [
      { name: 'ReplicaSet pod', spec: {}, expected: { action: 'evict', reason: 'managed' } },
      {
        name: 'DaemonSet pod',
        spec: { owner: { kind: 'DaemonSet', name: 'cilium' } },
        expected: { action: 'skip', reason: 'daemonset' },
      },
      {
        name: 'DaemonSet pod with emptyDir',
        spec: { owner: { kind: 'DaemonSet', name: 'cilium' }, emptyDir: true },
        expected: { action: 'skip', reason: 'daemonset' },
      },
      {
        name: 'mirror pod',
        spec: { owner: { kind: 'Node', name: 'cp1' }, mirror: true },
        expected: { action: 'skip', reason: 'mirror' },
      },
      {
        name: 'emptyDir pod',
        spec: { emptyDir: true },
        expected: { action: 'evict', reason: 'local-storage' },
      },
      {
        name: 'succeeded pod',
        spec: { phase: 'Succeeded' },
        expected: { action: 'skip', reason: 'finished' },
      },
      {
        name: 'failed bare pod',
        spec: { phase: 'Failed', owner: 'none' },
        expected: { action: 'skip', reason: 'finished' },
      },
      {
        name: 'terminating pod',
        spec: { deleting: true },
        expected: { action: 'skip', reason: 'terminating' },
      },
      { name: 'bare pod', spec: { owner: 'none' }, expected: { action: 'refuse', reason: 'unmanaged' } },
      {
        name: 'bare pod, forced',
        spec: { owner: 'none' },
        force: true,
        expected: { action: 'evict', reason: 'unmanaged' },
      },
      {
        name: 'bare pod with emptyDir, forced',
        spec: { owner: 'none', emptyDir: true },
        force: true,
        expected: { action: 'evict', reason: 'unmanaged' },
      },
    ];

  it.each(cases)('$name', ({ spec, force, expected }) => {
    expect(classifyPod(pod('default', 'p', { node: 'w1', ...spec }), { force: force === true })).toEqual(
      expected,
    );
  });

  it('summarizes a pod', () => {
    const info = podInfo(
      pod('kube-system', 'coredns-1', { node: 'cp1', owner: { kind: 'ReplicaSet', name: 'coredns-x' } }),
    );
    expect(info).toEqual({
      namespace: 'kube-system',
      name: 'coredns-1',
      uid: 'uid-kube-system-coredns-1',
      nodeName: 'cp1',
      phase: 'Running',
      ready: true,
      terminating: false,
      labels: { app: 'coredns-1' },
      controller: { kind: 'ReplicaSet', name: 'coredns-x' },
      images: {},
      annotations: {},
    });
  });
});

describe('selectorMatches (policy/v1)', () => {
  const labels = { app: 'web', tier: 'front' };
  const cases: Array<[string, LabelSelector | undefined, boolean]> = [
    ['missing selector matches nothing', undefined, false],
    ['empty selector matches everything', {}, true],
    ['matchLabels equal', { matchLabels: { app: 'web' } }, true],
    ['matchLabels differ', { matchLabels: { app: 'db' } }, false],
    ['matchLabels absent key', { matchLabels: { zone: 'a' } }, false],
    ['In', { matchExpressions: [{ key: 'app', operator: 'In', values: ['db', 'web'] }] }, true],
    ['In, absent key', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }, false],
    ['NotIn', { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }, false],
    ['NotIn, absent key', { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, true],
    ['Exists', { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, true],
    ['DoesNotExist', { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, false],
    [
      'unknown operator matches nothing',
      { matchExpressions: [{ key: 'app', operator: 'Gt', values: ['1'] }] },
      false,
    ],
    [
      'labels and expressions are ANDed',
      { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['back'] }] },
      false,
    ],
  ];

  it.each(cases)('%s', (_, selector, expected) => {
    expect(selectorMatches(selector, labels)).toBe(expected);
  });

  it('only budgets of the pod’s namespace select it', () => {
    const web = pod('shop', 'web-1', { node: 'w1', labels: { app: 'web' } });
    const budgets = [
      pdb('shop', 'web', { matchLabels: { app: 'web' }, allowed: 0 }),
      pdb('other', 'web', { matchLabels: { app: 'web' }, allowed: 0 }),
      pdb('shop', 'db', { matchLabels: { app: 'db' }, allowed: 0 }),
    ];
    expect(budgetsSelecting(web, budgets).map((b) => `${b.metadata.namespace}/${b.metadata.name}`)).toEqual([
      'shop/web',
    ]);
  });
});

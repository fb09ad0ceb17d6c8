/** The disruption controller's status math (pure). */
import { describe, expect, it } from 'vitest';
import { computePdbStatus, scaledValue, type PdbContext } from '../src/kube/pdb.js';
import type { KubeObject } from '../src/kube/types.js';

const NOW = Date.parse('2026-05-01T10:00:00Z');

function pod(
  name: string,
  options: {
    ready?: boolean;
    deleting?: boolean;
    owner?: string | null;
    labels?: Record<string, string>;
  } = {},
): KubeObject {
  const owner = options.owner === undefined ? 'rs-uid' : options.owner;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      resourceVersion: '1',
      creationTimestamp: '2026-05-01T09:00:00Z',
      labels: options.labels ?? { app: 'web' },
      ...(options.deleting ? { deletionTimestamp: '2026-05-01T10:00:30Z' } : {}),
      ...(owner
        ? {
            ownerReferences: [
              { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: owner, controller: true },
            ],
          }
        : {}),
    },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: options.ready === false ? 'False' : 'True' }],
    },
  };
}

function pdb(
  spec: Record<string, unknown>,
  status: Record<string, unknown> = {},
  generation = 1,
): KubeObject {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: {
      name: 'web',
      namespace: 'default',
      uid: 'pdb',
      resourceVersion: '1',
      creationTimestamp: '2026-05-01T09:00:00Z',
      generation,
    },
    spec: { selector: { matchLabels: { app: 'web' } }, ...spec },
    status,
  };
}

function context(pods: KubeObject[], replicas = 3): PdbContext {
  return {
    pods,
    now: NOW,
    disruptedExpiryMs: 120_000,
    scaleOf: (_pod, controller) =>
      controller.uid === 'rs-uid' ? { uid: 'deploy-uid', replicas } : undefined,
  };
}

const three = () => [pod('a'), pod('b'), pod('c')];

describe('PodDisruptionBudget status', () => {
  it('minAvailable as an integer: expected = matching pods, desired = minAvailable', () => {
    const s = computePdbStatus(pdb({ minAvailable: 2 }), context(three()));
    expect(s).toMatchObject({
      expectedPods: 3,
      currentHealthy: 3,
      desiredHealthy: 2,
      disruptionsAllowed: 1,
      observedGeneration: 1,
    });
    expect(s.conditions[0]).toMatchObject({
      type: 'DisruptionAllowed',
      status: 'True',
      reason: 'SufficientPods',
    });
  });

  it('minAvailable equal to the pods present allows nothing', () => {
    const s = computePdbStatus(pdb({ minAvailable: 3 }), context(three()));
    expect(s).toMatchObject({ desiredHealthy: 3, disruptionsAllowed: 0 });
    expect(s.conditions[0]).toMatchObject({ status: 'False', reason: 'InsufficientPods' });
  });

  it('maxUnavailable as a percentage rounds up against the controllers’ scale', () => {
    const s = computePdbStatus(pdb({ maxUnavailable: '50%' }), context(three()));
    expect(s).toMatchObject({ expectedPods: 3, desiredHealthy: 1, disruptionsAllowed: 2 });
  });

  it('minAvailable as a percentage rounds up against the scale, not the pods present', () => {
    const s = computePdbStatus(pdb({ minAvailable: '50%' }), context([pod('a'), pod('b')], 3));
    expect(s).toMatchObject({ expectedPods: 3, desiredHealthy: 2, currentHealthy: 2, disruptionsAllowed: 0 });
  });

  it('maxUnavailable as an integer', () => {
    const s = computePdbStatus(pdb({ maxUnavailable: 1 }), context(three()));
    expect(s).toMatchObject({ expectedPods: 3, desiredHealthy: 2, disruptionsAllowed: 1 });
  });

  it('counts only ready pods that are not terminating and not recently disrupted', () => {
    const pods = [pod('a'), pod('b', { ready: false }), pod('c', { deleting: true }), pod('d'), pod('e')];
    const recent = new Date(NOW - 10_000).toISOString();
    const expired = new Date(NOW - 300_000).toISOString();
    const s = computePdbStatus(
      pdb({ minAvailable: 1 }, { disruptedPods: { d: recent, e: expired, gone: recent } }),
      context(pods),
    );
    expect(s.currentHealthy).toBe(2);
    expect(s.disruptedPods).toEqual({ d: recent });
    expect(s.disruptionsAllowed).toBe(1);
  });

  it('ignores pods the selector does not match and unmanaged pods in the scale', () => {
    const pods = [...three(), pod('other', { labels: { app: 'db' } }), pod('naked', { owner: null })];
    const s = computePdbStatus(pdb({ maxUnavailable: 1 }), context(pods));
    expect(s).toMatchObject({ expectedPods: 3, currentHealthy: 4, desiredHealthy: 2, disruptionsAllowed: 2 });
  });

  it('fails the sync when a controller cannot be scaled', () => {
    const s = computePdbStatus(pdb({ maxUnavailable: 1 }), context([pod('x', { owner: 'unknown' })]));
    expect(s.disruptionsAllowed).toBe(0);
    expect(s.conditions[0]).toMatchObject({ status: 'False', reason: 'SyncFailed' });
  });

  it('allows nothing when no pods are expected; a missing selector matches nothing', () => {
    expect(computePdbStatus(pdb({ minAvailable: 0 }), context([])).disruptionsAllowed).toBe(0);
    const noSelector = pdb({ minAvailable: 1 });
    delete (noSelector['spec'] as Record<string, unknown>)['selector'];
    expect(computePdbStatus(noSelector, context(three()))).toMatchObject({
      expectedPods: 0,
      currentHealthy: 0,
    });
    const everything = pdb({ minAvailable: 1, selector: {} });
    expect(computePdbStatus(everything, context(three()))).toMatchObject({
      expectedPods: 3,
      disruptionsAllowed: 2,
    });
  });

  it('scales ints and percentages', () => {
    expect(scaledValue(2, 10)).toBe(2);
    expect(scaledValue('25%', 10)).toBe(3);
    expect(scaledValue('0%', 10)).toBe(0);
    expect(scaledValue('x', 10)).toBeUndefined();
  });
});

/**
 * The addons' gate: what of the Talos half of a plan the addon objects and `cluster.ready` wait
 * for. A Kubernetes upgrade runs after the Talos health gate, so waiting for that gate alone let
 * `cluster.ready` pass while API servers and kubelets were still being replaced.
 */
import { describe, expect, it } from 'vitest';
import { addonGate } from '../../../src/addons/plan-input.js';
import { planAddons, type AddonPlanInput } from '../../../src/addons/plan-addons.js';
import type { Action } from '../../../src/plan/types.js';

const action = (kind: string, address: string): Action =>
  ({ id: `${kind}:${address}`, kind, address, dependsOn: [], reason: 'test' }) as unknown as Action;

const talos: Action[] = [
  action('apply-config', 'talos.config.cp.1'),
  action('upgrade', 'talos.node.cp.1'),
  action('wait', 'talos.health'),
  action('create', 'talos.kubeconfig'),
  action('upgrade-kubernetes', 'kubernetes.cp.1.kube-apiserver@v1.36.3'),
  action('upgrade-kubernetes', 'kubernetes.cp.1.kubelet@v1.36.3'),
  action('upgrade-kubernetes', 'kubernetes.bootstrap-manifests@v1.36.3'),
];

describe('the addons gate', () => {
  it('holds the health gate, the kubeconfig and every Kubernetes upgrade step', () => {
    expect(addonGate(talos)).toEqual([
      'create:talos.kubeconfig',
      'upgrade-kubernetes:kubernetes.bootstrap-manifests@v1.36.3',
      'upgrade-kubernetes:kubernetes.cp.1.kube-apiserver@v1.36.3',
      'upgrade-kubernetes:kubernetes.cp.1.kubelet@v1.36.3',
      'wait:talos.health',
    ]);
  });

  it('a Kubernetes upgrade alone still ends with cluster.ready, after its last step', () => {
    const gate = addonGate(talos.filter((a) => a.kind === 'upgrade-kubernetes'));
    const input: AddonPlanInput = {
      outcome: { rendered: [], disabled: [], problems: [] },
      applied: [],
      prunable: new Set(),
      nodes: ['demo-cp-1'],
      recheck: false,
      gate,
    } as unknown as AddonPlanInput;
    const ready = planAddons(input).find((a) => a.id === 'wait:cluster.ready');
    expect(ready?.dependsOn).toContain('upgrade-kubernetes:kubernetes.bootstrap-manifests@v1.36.3');
  });

  it('nothing to wait for when the Talos half changes nothing', () => {
    expect(addonGate([])).toEqual([]);
  });
});

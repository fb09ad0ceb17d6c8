/**
 * The addon planner's inputs, gathered from the registry, the spec, the state and the Talos half of
 * the plan; the warnings about what is skipped come back with them, as data.
 */
import type { EngineWarning } from '../execute/events.js';
import { endpointUrl, internalEndpoint } from '../plan/talos/endpoint.js';
import { talosNodes, type ClusterFacts } from '../plan/talos/nodes.js';
import type { Action, ObservedResource } from '../plan/types.js';
import type { NetworkLayout } from '../spec/network.js';
import type { Spec } from '../spec/schema.js';
import type { State } from '../state/reducer.js';
import type { AddonPlanInput } from './plan-addons.js';
import type { AddonRegistry } from './registry.js';
import { renderAddons } from './render.js';

export interface AddonInputs {
  input: Omit<AddonPlanInput, 'gate'>;
  warnings: EngineWarning[];
}

export function appliedAddonObjects(state: State): ObservedResource[] {
  return Object.values(state.resources)
    .filter((r) => r.type === 'addon')
    .map((r) => ({
      address: r.address,
      type: 'addon' as const,
      id: r.id,
      props: r.attrs as ObservedResource['props'],
    }))
    .sort((a, b) => a.address.localeCompare(b.address));
}

export function addonInputs(
  registry: AddonRegistry,
  spec: Spec,
  layout: NetworkLayout,
  facts: ClusterFacts,
  state: State,
  recheck: boolean,
): AddonInputs {
  const internal = internalEndpoint(spec, layout, facts);
  const endpoint = internal && endpointUrl(internal.host);
  const outcome = renderAddons(registry, spec, { layout, ...(endpoint ? { endpoint } : {}) });
  const applied = appliedAddonObjects(state);
  const loaded = new Set(registry.addons.map((a) => a.definition.name));
  const off = Object.entries(spec.addons)
    .filter(([, settings]) => settings.enabled === false)
    .map(([name]) => name);
  const prunable = new Set([...loaded, ...off]);
  const warnings: EngineWarning[] = [...registry.problems, ...outcome.problems].map((p) => ({
    kind: 'addon-skipped' as const,
    plugin: p.plugin,
    ...(p.addon ? { addon: p.addon } : {}),
    message: p.message,
  }));
  for (const addon of outcome.rendered) {
    if (addon.deprecated)
      warnings.push({ kind: 'addon-deprecated', addon: addon.name, message: addon.deprecated });
  }
  const orphaned = new Map<string, number>();
  for (const record of applied) {
    const addon = String(record.props.addon ?? '');
    if (!prunable.has(addon)) orphaned.set(addon, (orphaned.get(addon) ?? 0) + 1);
  }
  for (const [addon, objects] of orphaned) warnings.push({ kind: 'addon-orphaned', addon, objects });
  return {
    input: {
      outcome,
      applied,
      prunable,
      nodes: talosNodes(spec).map((n) => n.hostname),
      recheck,
    },
    warnings,
  };
}

/**
 * The Talos actions the addons wait for: the health gate, the kubeconfig and every step of a
 * Kubernetes upgrade (they come after the health gate, and the cluster is not ready, nor an
 * addon's API server settled, until the last of them is done).
 */
export function addonGate(talos: readonly Action[]): string[] {
  return talos
    .filter(
      (a) =>
        (a.kind === 'wait' && a.address === 'talos.health') ||
        (a.kind === 'create' && a.address === 'talos.kubeconfig') ||
        a.kind === 'upgrade-kubernetes',
    )
    .map((a) => a.id)
    .sort();
}

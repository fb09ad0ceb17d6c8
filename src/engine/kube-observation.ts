/**
 * Plan-time observation of what the nodes run for Kubernetes, when there is a cluster to ask: a
 * kubeconfig in the state and nodes with a recorded config. An API that cannot be read is a warning,
 * not an error: the plan then goes by the recorded configs.
 */
import type { EngineEventSink } from '../execute/events.js';
import type { KubeObservation } from '../observe/kube.js';
import { KUBECONFIG_SECRET, talosNodes } from '../plan/talos/nodes.js';
import type { PlanCommand } from '../plan/plan.js';
import type { Spec } from '../spec/schema.js';
import type { State } from '../state/reducer.js';
import type { Provider } from './provider.js';

export async function observeClusterKubernetes(
  spec: Spec,
  state: State,
  provider: Provider,
  command: PlanCommand,
  events: EngineEventSink,
): Promise<KubeObservation | undefined> {
  if (command === 'destroy' || !provider.talos || !provider.observeKubernetes) return undefined;
  const kubeconfig = state.secrets[KUBECONFIG_SECRET]?.$secret;
  if (!kubeconfig) return undefined;
  const nodes = talosNodes(spec).filter((n) => state.resources[n.config] !== undefined);
  if (nodes.length === 0) return undefined;
  const observed = await provider.observeKubernetes(kubeconfig, nodes);
  if (!observed.reachable) {
    events({ type: 'warning', warning: { kind: 'kubernetes-unobserved', reason: observed.reason } });
  }
  return observed;
}

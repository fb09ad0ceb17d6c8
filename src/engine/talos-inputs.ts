/** The Talos planner's inputs, gathered from the state (what hk8s did) and the observation. */
import { clusterFacts } from '../execute/talos/facts.js';
import { runningKubernetes, type KubeObservation } from '../observe/kube.js';
import { appliedKubernetes } from '../plan/talos/kubernetes-upgrade.js';
import type { AppliedConfig, TalosPlanInput } from '../plan/talos/plan-talos.js';
import {
  configSecretName,
  TALOS_BOOTSTRAP,
  TALOS_KUBECONFIG,
  TALOS_SECRETS,
  talosNodes,
} from '../plan/talos/nodes.js';
import type { ObservedResource } from '../plan/types.js';
import type { MachineConfig } from '../talos/config/index.js';
import { secretsFromYaml } from '../providers/talos/pki/bundle-yaml.js';
import { resolveNetworkLayout } from '../spec/network.js';
import type { Spec } from '../spec/schema.js';
import type { State } from '../state/reducer.js';
import type { VersionTarget } from '../observe/talos.js';
import type { Provider } from './provider.js';

/** The configs hk8s applied, by config address (with the installer each node last got). */
export function appliedConfigs(state: State): Record<string, AppliedConfig> {
  const applied: Record<string, AppliedConfig> = {};
  for (const record of Object.values(state.resources)) {
    if (record.type !== 'talos_config') continue;
    const server = String(record.attrs.server ?? '');
    const kept = state.secrets[configSecretName(server)]?.$secret;
    const role = record.attrs.role;
    applied[record.address] = {
      serverId: String(record.attrs.serverId ?? record.id),
      hash: String(record.attrs.hash ?? ''),
      ...(typeof record.attrs.inputs === 'string' ? { inputs: record.attrs.inputs } : {}),
      ...(role === 'controlplane' || role === 'worker' ? { role } : {}),
      ...(kept ? { config: JSON.parse(kept) as MachineConfig } : {}),
      ...(typeof record.attrs.installer === 'string' ? { installer: record.attrs.installer } : {}),
    };
  }
  return applied;
}

function kubeconfigRecord(state: State): TalosPlanInput['kubeconfig'] {
  const record = state.resources[TALOS_KUBECONFIG];
  if (!record) return false;
  const server = record.attrs.server;
  return typeof server === 'string' ? { server } : {};
}

/**
 * `kube`: what the Kubernetes API reported (absent or unreachable: the recorded configs speak);
 * `hcloudToken`: what the control planes' HCloudVIPConfig documents carry.
 */
export function talosPlanInput(
  spec: Spec,
  state: State,
  observed: readonly ObservedResource[],
  kube?: KubeObservation,
  hcloudToken?: string,
): TalosPlanInput {
  const secretsYaml = state.secrets[TALOS_SECRETS]?.$secret;
  const byAddress = new Map(
    observed.map((o) => [o.address, { address: o.address, type: o.type, id: o.id, attrs: o.props }]),
  );
  const servers = [
    ...new Set([
      ...talosNodes(spec).map((n) => n.server),
      ...observed.filter((o) => o.type === 'server').map((o) => o.address),
    ]),
  ];
  const applied = appliedConfigs(state);
  const fromConfigs = appliedKubernetes(applied, talosNodes(spec));
  return {
    spec,
    layout: resolveNetworkLayout(spec),
    ...(secretsYaml ? { secrets: secretsFromYaml(secretsYaml) } : {}),
    facts: clusterFacts(servers, (address) => byAddress.get(address)),
    applied,
    kubernetes: kube ? runningKubernetes(kube, fromConfigs) : fromConfigs,
    bootstrapped: state.resources[TALOS_BOOTSTRAP] !== undefined,
    kubeconfig: kubeconfigRecord(state),
    ...(hcloudToken ? { hcloudToken } : {}),
  };
}

/** The nodes whose Talos version is worth asking: configured, on the server they were configured on. */
export function versionTargets(input: TalosPlanInput): VersionTarget[] {
  return talosNodes(input.spec).flatMap((node) => {
    const fact = input.facts.servers[node.server];
    const applied = input.applied[node.config];
    if (!fact?.ipv4 || !applied || applied.serverId !== fact.id) return [];
    return [{ server: node.server, ip: fact.ipv4 }];
  });
}

/** The Talos half of the plan's inputs, with the observed versions when the provider can read them. */
export async function observedTalosInput(
  spec: Spec,
  state: State,
  observed: readonly ObservedResource[],
  provider: Provider,
  kube?: KubeObservation,
): Promise<TalosPlanInput> {
  const input = talosPlanInput(spec, state, observed, kube, provider.hcloudToken);
  const secretsYaml = state.secrets[TALOS_SECRETS]?.$secret;
  if (!provider.observeTalos || !secretsYaml) return input;
  return { ...input, versions: await provider.observeTalos(versionTargets(input), secretsYaml) };
}

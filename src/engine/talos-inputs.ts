/** The Talos planner's inputs, gathered from the state (what hk8s did) and the observation. */
import { clusterFacts } from '../execute/talos/facts.js';
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
import { secretsFromYaml } from '../providers/talos/pki/index.js';
import { resolveNetworkLayout } from '../spec/network.js';
import type { Spec } from '../spec/schema.js';
import type { State } from '../state/reducer.js';

function appliedConfigs(state: State): Record<string, AppliedConfig> {
  const applied: Record<string, AppliedConfig> = {};
  for (const record of Object.values(state.resources)) {
    if (record.type !== 'talos_config') continue;
    const server = String(record.attrs.server ?? '');
    const kept = state.secrets[configSecretName(server)]?.$secret;
    applied[record.address] = {
      serverId: String(record.attrs.serverId ?? record.id),
      hash: String(record.attrs.hash ?? ''),
      ...(kept ? { config: JSON.parse(kept) as MachineConfig } : {}),
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

/** `hcloudToken` is what the control planes' HCloudVIPConfig documents carry. */
export function talosPlanInput(
  spec: Spec,
  state: State,
  observed: readonly ObservedResource[],
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
  return {
    spec,
    layout: resolveNetworkLayout(spec),
    ...(secretsYaml ? { secrets: secretsFromYaml(secretsYaml) } : {}),
    facts: clusterFacts(servers, (address) => byAddress.get(address)),
    applied: appliedConfigs(state),
    bootstrapped: state.resources[TALOS_BOOTSTRAP] !== undefined,
    kubeconfig: kubeconfigRecord(state),
    ...(hcloudToken ? { hcloudToken } : {}),
  };
}

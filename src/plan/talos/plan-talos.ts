/**
 * The Talos half of a plan: secrets once, the first config of every new node (pushed in maintenance
 * mode), config changes with the mode Talos needs (rebooting nodes one at a time, control planes
 * first), etcd bootstrapped exactly once, a health gate, and the kubeconfig. Pure.
 */
import { applyModeFor, configDiff, type MachineConfig } from '../../talos/config/index.js';
import type { TalosSecrets } from '../../talos/secrets-types.js';
import type { NetworkLayout } from '../../spec/network.js';
import type { Spec } from '../../spec/schema.js';
import { actionId } from '../diff.js';
import { serverName } from '../../resources/hcloud/names.js';
import type { Action, ApplyConfigAction, ConfigFieldChange, LeaveEtcdAction } from '../types.js';
import { kubeconfigAction } from './kubeconfig.js';
import {
  bootstrapNode,
  renderNodeConfig,
  TALOS_BOOTSTRAP,
  TALOS_HEALTH,
  TALOS_KUBECONFIG,
  TALOS_SECRETS,
  talosNodes,
  type ClusterFacts,
} from './nodes.js';

export const REBOOT_GROUP = 'talos-reboot';

/** Infrastructure whose addresses every config names (endpoint, certSANs, VIPs). */
const ENDPOINT_ADDRESSES = ['load_balancer.kube-api', 'floating_ip.control-plane'];

/** Shown in a plan's config diff for an address the run creates (Terraform's "known after apply"). */
export const KNOWN_AFTER_APPLY = '(known after apply)';

/**
 * A floating IP this run creates has no address yet: planning with a placeholder shows which
 * fields change, and so whether the change reboots, instead of "unknown". The runner renders with
 * the real address.
 */
function withPendingAddresses(facts: ClusterFacts, infra: readonly Action[]): ClusterFacts {
  const creates = infra.some(
    (a) => a.address === 'floating_ip.control-plane' && (a.kind === 'create' || a.kind === 'replace'),
  );
  return creates ? { ...facts, floatingIpv4: KNOWN_AFTER_APPLY } : facts;
}

export interface AppliedConfig {
  serverId: string;
  hash: string;
  /** The config as applied, for a readable diff; absent if it was not kept. */
  config?: MachineConfig;
}

export interface TalosPlanInput {
  spec: Spec;
  layout: NetworkLayout;
  secrets?: TalosSecrets;
  facts: ClusterFacts;
  /** By config address (`talos.config.<pool>.<i>`). */
  applied: Record<string, AppliedConfig>;
  bootstrapped: boolean;
  /** The kubeconfig hk8s keeps, and the server it points at; false until it is fetched. */
  kubeconfig: false | { server?: string };
  /** The Hetzner token, for the control planes' HCloudVIPConfig (a secret: never in the plan). */
  hcloudToken?: string;
}

export interface TalosPlan {
  actions: Action[];
  /** Extra dependencies of infrastructure actions on Talos ones: `[infra action id, talos action id]`. */
  edges: Array<[string, string]>;
}

const base = (kind: Action['kind'], address: string, reason: string, dependsOn: string[] = []) => ({
  id: actionId(kind, address),
  address,
  reason,
  dependsOn,
});

export function planTalos(input: TalosPlanInput, infra: readonly Action[], destroy: boolean): TalosPlan {
  if (destroy) return forgetAll(input);
  // Any change to a server (created, replaced, attached to its network) must land before its config.
  const infraFor = (address: string) =>
    infra.filter(
      (a) => a.address === address && (a.kind === 'create' || a.kind === 'replace' || a.kind === 'update'),
    );
  const actions: Action[] = [];
  const edges: TalosPlan['edges'] = [];
  const secretsAction = input.secrets
    ? undefined
    : {
        ...base('create', TALOS_SECRETS, 'the cluster has no Talos secrets yet'),
        kind: 'create' as const,
        type: 'talos_secrets' as const,
        props: {},
      };
  if (secretsAction) actions.push(secretsAction);
  // Every config names the endpoint and the control planes' addresses: wait for what provides them.
  const sharedDeps = infra
    .filter(
      (a) =>
        (a.kind === 'create' || a.kind === 'replace' || a.kind === 'update') &&
        (ENDPOINT_ADDRESSES.includes(a.address) || isControlPlaneServer(input.spec, a.address)),
    )
    .map((a) => a.id);
  const facts = withPendingAddresses(input.facts, infra);

  const configActions: ApplyConfigAction[] = [];
  for (const node of talosNodes(input.spec)) {
    const serverActions = infraFor(node.server);
    const serverAction = serverActions.find((a) => a.kind !== 'update');
    const fact = facts.servers[node.server];
    const applied = input.applied[node.config];
    const deps = [
      ...sharedDeps,
      ...serverActions.map((a) => a.id),
      ...(secretsAction ? [secretsAction.id] : []),
    ];
    const initial = serverAction || !fact || !applied || applied.serverId !== fact.id;
    if (initial) {
      const reason = applied && fact && applied.serverId !== fact.id ? 'the server was replaced' : 'new node';
      configActions.push(applyConfig(node.server, node.config, 'initial', [], reason, deps));
      continue;
    }
    const rendered =
      input.secrets &&
      renderNodeConfig(input.spec, input.layout, input.secrets, node, facts, input.hcloudToken);
    if (!rendered) {
      const unknown: ConfigFieldChange = { path: '(values known only after apply)' };
      configActions.push(
        applyConfig(
          node.server,
          node.config,
          'reboot',
          [unknown],
          'config depends on changing servers',
          deps,
        ),
      );
      continue;
    }
    if (rendered.hash === applied.hash) continue;
    const changes = applied.config
      ? (configDiff(applied.config, rendered.config) as ConfigFieldChange[])
      : [];
    const mode = applied.config ? applyModeFor(changes) : 'reboot';
    const shown = changes.length > 0 ? changes : [{ path: '(previous config not recorded)' }];
    configActions.push(
      applyConfig(
        node.server,
        node.config,
        mode,
        shown as ConfigFieldChange[],
        'machine config changed',
        deps,
      ),
    );
  }
  orderReboots(configActions, input.spec);
  actions.push(...configActions);

  const first = bootstrapNode(input.spec);
  let bootstrapId: string | undefined;
  if (!input.bootstrapped && first) {
    const deps = configActions.filter((a) => a.node === first.server).map((a) => a.id);
    const bootstrap: Action = {
      ...base('bootstrap', TALOS_BOOTSTRAP, 'etcd has not been bootstrapped', deps),
      kind: 'bootstrap',
      node: first.server,
    };
    actions.push(bootstrap);
    bootstrapId = bootstrap.id;
  }
  const gated = [...configActions.map((a) => a.id), ...(bootstrapId ? [bootstrapId] : [])];
  let healthId: string | undefined;
  if (gated.length > 0 && first) {
    const wait: Action = {
      ...base('wait', TALOS_HEALTH, 'every node up and all control planes in etcd', gated),
      kind: 'wait',
      condition: 'talos-health',
    };
    actions.push(wait);
    healthId = wait.id;
  }
  const kubeconfig =
    first &&
    kubeconfigAction(input, infra, {
      configs: configActions.map((a) => a.id),
      ...(healthId ? { health: healthId } : {}),
      ...(bootstrapId ? { bootstrap: bootstrapId } : {}),
    });
  if (kubeconfig) actions.push(kubeconfig);
  for (const address of Object.keys(input.applied).sort()) {
    if (talosNodes(input.spec).some((n) => n.config === address)) continue;
    const server = `server.${address.slice('talos.config.'.length)}`;
    const drain = infra.find((a) => a.kind === 'drain' && a.address === server);
    const leave = isControlPlaneServer(input.spec, server)
      ? leaveEtcd(input.spec, address, server, drain ? [drain.id] : [])
      : undefined;
    if (leave) actions.push(leave);
    const after = leave ?? drain;
    const forget: Action = {
      ...base('delete', address, 'the node leaves the cluster', after ? [after.id] : []),
      kind: 'delete',
      type: 'talos_config',
      resourceId: input.applied[address]?.serverId ?? '',
      before: { server },
    };
    actions.push(forget);
    // The server goes last: after its node left etcd and its record was forgotten.
    const deleteServer = infra.find((a) => a.kind === 'delete' && a.address === server);
    if (deleteServer) edges.push([deleteServer.id, forget.id]);
  }
  return { actions, edges };
}

function applyConfig(
  server: string,
  config: string,
  mode: ApplyConfigAction['mode'],
  changes: ConfigFieldChange[],
  reason: string,
  dependsOn: string[],
): ApplyConfigAction {
  return {
    ...base('apply-config', config, reason, [...new Set(dependsOn)].sort()),
    kind: 'apply-config',
    node: server,
    mode,
    changes,
  };
}

/** A removed control plane leaves etcd before its server goes, so the members keep their quorum. */
function leaveEtcd(spec: Spec, address: string, server: string, dependsOn: string[]): LeaveEtcdAction {
  const [pool = '', index = ''] = server.slice('server.'.length).split('.');
  return {
    ...base('leave-etcd', address, 'the control plane leaves the cluster', dependsOn),
    kind: 'leave-etcd',
    node: server,
    member: serverName(spec.cluster.name, pool, Number(index)),
  };
}

function isControlPlaneServer(spec: Spec, address: string): boolean {
  return spec.controlPlane.pools.some((p) => address.startsWith(`server.${p.name}.`));
}

/** Rebooting changes go one at a time, control planes before workers. */
function orderReboots(actions: ApplyConfigAction[], spec: Spec): void {
  const reboots = actions.filter((a) => a.mode === 'reboot');
  const controlPlanes = reboots.filter((a) => isControlPlaneServer(spec, a.node)).map((a) => a.id);
  for (const action of reboots) {
    action.group = REBOOT_GROUP;
    if (!isControlPlaneServer(spec, action.node))
      action.dependsOn = [...new Set([...action.dependsOn, ...controlPlanes])].sort();
  }
}

/** On destroy, the Talos records go with the servers: nothing to call, only to forget. */
function forgetAll(input: TalosPlanInput): TalosPlan {
  const records: Array<[string, 'talos_config' | 'talos_bootstrap' | 'talos_kubeconfig']> = [
    ...Object.keys(input.applied).map((a): [string, 'talos_config'] => [a, 'talos_config']),
    ...(input.bootstrapped ? [[TALOS_BOOTSTRAP, 'talos_bootstrap'] as [string, 'talos_bootstrap']] : []),
    ...(input.kubeconfig ? [[TALOS_KUBECONFIG, 'talos_kubeconfig'] as [string, 'talos_kubeconfig']] : []),
  ];
  return {
    actions: records.map(([address, type]) => ({
      ...base('delete', address, 'destroying the cluster'),
      kind: 'delete',
      type,
      resourceId: address,
      before: {},
    })),
    edges: [],
  };
}

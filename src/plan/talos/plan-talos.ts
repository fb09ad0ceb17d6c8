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
import type { Action, ActionGraph, ApplyConfigAction, ConfigFieldChange, LeaveEtcdAction } from '../types.js';
import { upgradesFor } from './upgrade-hook.js';
import type { NodeVersion } from './upgrades.js';
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

export interface AppliedConfig {
  serverId: string;
  hash: string;
  /** The config as applied, for a readable diff; absent if it was not kept. */
  config?: MachineConfig;
  /** The installer image the node was last installed or upgraded with, when recorded. */
  installer?: string;
}

export interface TalosPlanInput {
  spec: Spec;
  layout: NetworkLayout;
  secrets?: TalosSecrets;
  facts: ClusterFacts;
  /** By config address (`talos.config.<pool>.<i>`). */
  applied: Record<string, AppliedConfig>;
  bootstrapped: boolean;
  kubeconfig: boolean;
  /** The Talos version each configured node runs, by server address; absent when not observed. */
  versions?: Record<string, NodeVersion>;
}

export interface TalosPlan {
  actions: Action[];
  /** Extra dependencies of infrastructure actions on Talos ones: `[infra action id, talos action id]`. */
  edges: Array<[string, string]>;
  /** Concurrency limits of the groups its actions belong to (besides the reboot group). */
  groups?: ActionGraph['groups'];
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
        (a.address === 'load_balancer.kube-api' || isControlPlaneServer(input.spec, a.address)),
    )
    .map((a) => a.id);

  const configActions: ApplyConfigAction[] = [];
  for (const node of talosNodes(input.spec)) {
    const serverActions = infraFor(node.server);
    const serverAction = serverActions.find((a) => a.kind !== 'update');
    const fact = input.facts.servers[node.server];
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
      input.secrets && renderNodeConfig(input.spec, input.layout, input.secrets, node, input.facts);
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
  const upgrades = upgradesFor(input, configActions);
  orderReboots(configActions, input.spec);
  actions.push(...configActions, ...upgrades.actions);

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
  const gated = [
    ...configActions.map((a) => a.id),
    ...(bootstrapId ? [bootstrapId] : []),
    ...upgrades.actions.map((a) => a.id),
  ];
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
  if (!input.kubeconfig && first) {
    const deps = healthId ? [healthId] : bootstrapId ? [bootstrapId] : [];
    actions.push({
      ...base('create', TALOS_KUBECONFIG, 'no kubeconfig fetched yet', deps),
      kind: 'create',
      type: 'talos_kubeconfig',
      props: {},
    });
  }
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
  return { actions, edges, groups: upgrades.groups };
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

/**
 * The Talos half of a plan: secrets once, the first config of every new node (pushed in maintenance
 * mode), config changes with the mode Talos needs (rebooting nodes one at a time, control planes
 * first), etcd bootstrapped exactly once, a health gate, and the kubeconfig; the nodes that leave or
 * get a new machine are ordered by removal.ts. Pure.
 */
import { applyModeFor, configDiff, type MachineConfig } from '../../talos/config/index.js';
import type { TalosSecrets } from '../../talos/secrets-types.js';
import type { NetworkLayout } from '../../spec/network.js';
import type { Spec } from '../../spec/schema.js';
import { actionId } from '../diff.js';
import type { Action, ActionGraph, ApplyConfigAction, ConfigFieldChange } from '../types.js';
import {
  appliedKubernetes,
  keptVersions,
  kubernetesUpgradeActions,
  kubernetesUpgradeFor,
  type ClusterKubernetes,
} from './kubernetes-upgrade.js';
import { upgradesFor } from './upgrade-hook.js';
import type { NodeVersion } from './upgrades.js';
import { kubeconfigAction } from './kubeconfig.js';
import {
  bootstrapNode,
  nodeConfigInput,
  renderConfig,
  TALOS_BOOTSTRAP,
  TALOS_HEALTH,
  TALOS_KUBECONFIG,
  TALOS_SECRETS,
  talosNodes,
  type ClusterFacts,
  type TalosNode,
} from './nodes.js';
import type { Role } from './quorum.js';
import { planNodeChanges, type NodeChanges } from './removal.js';
import { planSurge, replacingServers, surgePools } from './surge.js';

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
  /** The digest of what the applied config was built from (`configInputsHash`), when recorded. */
  inputs?: string;
  /** The role the node joined with (recorded with every config). */
  role?: Role;
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
  /** The kubeconfig hk8s keeps, and the server it points at; false until it is fetched. */
  kubeconfig: false | { server?: string };
  /** What the nodes run for Kubernetes; absent: what their recorded configs say. */
  kubernetes?: ClusterKubernetes;
  /** `--force`: accept what hk8s refuses by default (an even number of control planes). */
  force?: boolean;
  /** The Talos version each configured node runs, by server address; absent when not observed. */
  versions?: Record<string, NodeVersion>;
  /** The Hetzner token, for the control planes' HCloudVIPConfig (a secret: never in the plan). */
  hcloudToken?: string;
}

export interface TalosPlan {
  actions: Action[];
  /** Extra dependencies of infrastructure actions: `[infra action id, id it must wait for]`. */
  edges: Array<[string, string]>;
  /** Concurrency limits of the groups its actions belong to (besides the reboot group). */
  groups: ActionGraph['groups'];
}

const base = (kind: Action['kind'], address: string, reason: string, dependsOn: string[] = []) => ({
  id: actionId(kind, address),
  address,
  reason,
  dependsOn,
});

export function planTalos(input: TalosPlanInput, infra: readonly Action[], destroy: boolean): TalosPlan {
  if (destroy) return forgetAll(input, infra);
  // Any change to a server (created, replaced, attached to its network) must land before its config.
  const serverChanges = new Map<string, Action[]>();
  for (const a of infra) {
    if (a.kind !== 'create' && a.kind !== 'replace' && a.kind !== 'update') continue;
    serverChanges.set(a.address, [...(serverChanges.get(a.address) ?? []), a]);
  }
  const infraFor = (address: string): readonly Action[] => serverChanges.get(address) ?? [];
  const actions: Action[] = [];
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

  const isNew = (node: TalosNode) => {
    const fact = input.facts.servers[node.server];
    const applied = input.applied[node.config];
    const recreated = infraFor(node.server).some((a) => a.kind !== 'update');
    return recreated || !fact || !applied || applied.serverId !== fact.id;
  };
  const nodes = talosNodes(input.spec);
  const existing = nodes.filter((n) => !isNew(n));
  const surge = surgePools(input, replacingServers(infra));
  const kubernetes = kubernetesUpgradeFor(
    input.spec,
    existing,
    input.kubernetes ?? appliedKubernetes(input.applied, existing),
  );

  const configActions: ApplyConfigAction[] = [];
  for (const node of talosNodes(input.spec, surge)) {
    const serverActions = infraFor(node.server);
    const fact = facts.servers[node.server];
    const applied = input.applied[node.config];
    const deps = [
      ...sharedDeps,
      ...serverActions.map((a) => a.id),
      ...(secretsAction ? [secretsAction.id] : []),
    ];
    const serverAction = serverActions.find((a) => a.kind !== 'update');
    if (isNew(node) || !applied) {
      const reason =
        serverAction?.kind === 'replace'
          ? 'the server is replaced'
          : applied && fact && applied.serverId !== fact.id
            ? 'the server was replaced'
            : applied
              ? 'the server was re-created'
              : 'new node';
      configActions.push(applyConfig(node.server, node.config, 'initial', [], reason, deps));
      continue;
    }
    // A node in a Kubernetes upgrade keeps its versions here; the upgrade's steps move them.
    const kept = kubernetes && keptVersions(kubernetes, node.server);
    const configInput =
      input.secrets &&
      nodeConfigInput(input.spec, input.layout, input.secrets, node, facts, kept, input.hcloudToken);
    if (!configInput) {
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
    // Built from what the applied config was built from: the same config, nothing to render.
    if (configInput.inputs === applied.inputs) continue;
    const rendered = renderConfig(configInput);
    if (rendered.hash === applied.hash) continue;
    const changes = applied.config
      ? (configDiff(applied.config, rendered.config) as ConfigFieldChange[])
      : [];
    const mode = applied.config ? applyModeFor(changes) : 'reboot';
    const shown = changes.length > 0 ? changes : [{ path: '(previous config not recorded)' }];
    const action = applyConfig(
      node.server,
      node.config,
      mode,
      shown as ConfigFieldChange[],
      'machine config changed',
      deps,
    );
    configActions.push(kept ? { ...action, kubernetes: kept } : action);
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
  const kubeconfig =
    first &&
    kubeconfigAction(input, infra, {
      configs: configActions.map((a) => a.id),
      ...(healthId ? { health: healthId } : {}),
      ...(bootstrapId ? { bootstrap: bootstrapId } : {}),
    });
  if (kubeconfig) actions.push(kubeconfig);
  if (kubernetes) {
    // After every other change to the nodes: config pushes, reboots, OS upgrades, the health gate.
    const before = actions.filter((a) => a.id !== secretsAction?.id && a.address !== TALOS_KUBECONFIG);
    actions.push(
      ...kubernetesUpgradeActions(
        kubernetes,
        before.map((a) => a.id),
      ),
    );
  }
  const changes = planNodeChanges({
    spec: input.spec,
    surgePools: surge,
    facts: input.facts,
    applied: input.applied,
    bootstrapped: input.bootstrapped,
    force: input.force === true,
    infra,
    configs: configActions,
    ...(healthId ? { healthId } : {}),
  });
  const surgePlan = planSurge({
    spec: input.spec,
    pools: surge,
    configs: configActions,
    upgrades,
    serverIds: Object.fromEntries(Object.entries(input.facts.servers).map(([a, f]) => [a, f.id])),
    applied: input.applied,
    replaced: changes.replaced,
  });
  actions.push(...surgePlan.actions);
  changes.links.push(...surgePlan.links);
  actions.push(...changes.actions);
  return { ...linked(actions, changes), groups: { ...changes.groups, ...upgrades.groups } };
}

/** Applies the node changes' links: on Talos actions in place, on infrastructure ones as edges. */
function linked(actions: Action[], changes: NodeChanges): Pick<TalosPlan, 'actions' | 'edges'> {
  const own = new Set(actions.map((a) => a.id));
  const edges: TalosPlan['edges'] = [];
  const extra = new Map<string, string[]>();
  for (const [from, to] of changes.links) {
    if (own.has(from)) extra.set(from, [...(extra.get(from) ?? []), to]);
    else edges.push([from, to]);
  }
  const dropped = (id: string, dep: string) => changes.unlinks.some(([a, d]) => a === id && d === dep);
  return {
    actions: actions.map((a) => ({
      ...a,
      dependsOn: [...new Set([...a.dependsOn, ...(extra.get(a.id) ?? [])])]
        .filter((dep) => !dropped(a.id, dep))
        .sort(),
    })),
    edges,
  };
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

/**
 * On destroy, the Talos records go with the servers: nothing to call, only to forget. The secrets
 * bundle goes last, once every server is gone: a destroy that stops half-way must still be able to
 * talk to the nodes it left, and a cluster created again later gets a new CA and new credentials.
 */
function forgetAll(input: TalosPlanInput, infra: readonly Action[]): TalosPlan {
  const records: Array<[string, 'talos_config' | 'talos_bootstrap' | 'talos_kubeconfig']> = [
    ...Object.keys(input.applied).map((a): [string, 'talos_config'] => [a, 'talos_config']),
    ...(input.bootstrapped ? [[TALOS_BOOTSTRAP, 'talos_bootstrap'] as [string, 'talos_bootstrap']] : []),
    ...(input.kubeconfig ? [[TALOS_KUBECONFIG, 'talos_kubeconfig'] as [string, 'talos_kubeconfig']] : []),
  ];
  const actions: Action[] = records.map(([address, type]) => ({
    ...base('delete', address, 'destroying the cluster'),
    kind: 'delete',
    type,
    resourceId: address,
    before: {},
  }));
  if (input.secrets) {
    const everythingElse = [...infra, ...actions].map((a) => a.id).sort();
    actions.push({
      ...base('delete', TALOS_SECRETS, 'destroying the cluster: new secrets for a new one', everythingElse),
      kind: 'delete',
      type: 'talos_secrets',
      resourceId: input.secrets.cluster.id,
      before: {},
    });
  }
  return { actions, edges: [], groups: {} };
}

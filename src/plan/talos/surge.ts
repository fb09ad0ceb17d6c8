/**
 * `maxSurge`: extra servers for a worker pool's rolling Talos upgrade. While a pool with
 * `upgrade.maxSurge > 0` has nodes to upgrade, its surge nodes (`server.<pool>.s<k>`, hostname
 * `<cluster>-<pool>-s<k>`) are wanted: created at the new version (they need no upgrade), configured
 * and joined before the pool's first upgrade, and removed — drain → delete the server → delete the
 * Node → forget the config — once the pool's upgrades passed their health gate, in the same run.
 * Once the pool has nothing left to upgrade they are no longer wanted, so a surge server left by an
 * interrupted run goes the ordinary removal way (removal.ts). Surge adds capacity only: the pool's
 * numbered nodes still go at most `maxUnavailable` at a time. Pure.
 */
import type { Spec } from '../../spec/schema.js';
import { serverName } from '../../resources/hcloud/names.js';
import { actionId } from '../diff.js';
import type { Action, ApplyConfigAction, DeleteAction, DrainAction, WaitAction } from '../types.js';
import { nodeObjectAddress, surgeNodes, talosNodes, type TalosNode } from './nodes.js';
import type { TalosPlanInput } from './plan-talos.js';
import { position, NODE_JOINED } from './removal.js';
import { installedImages } from './upgrade-hook.js';
import { gatePool, poolGroup, stepsFor, type UpgradePlan } from './upgrades.js';

/** The worker pools whose surge nodes are wanted: `maxSurge > 0` and a numbered node to upgrade. */
export function surgePools(input: Pick<TalosPlanInput, 'spec' | 'versions' | 'applied'>): string[] {
  const { spec, versions } = input;
  if (!versions) return [];
  const upgrade = { spec, versions, installed: installedImages(input.applied) };
  const pending = talosNodes(spec).filter((n) => n.role === 'worker' && stepsFor(upgrade, n).length > 0);
  return spec.workers.pools
    .filter((p) => p.upgrade.maxSurge > 0 && pending.some((n) => n.pool === p.name))
    .map((p) => p.name);
}

export interface SurgeInput {
  spec: Spec;
  pools: readonly string[];
  /** The Talos planner's config actions (a new surge node's first config among them). */
  configs: readonly ApplyConfigAction[];
  upgrades: UpgradePlan;
  /** The server ids known at plan time; a surge server this run creates has none yet. */
  serverIds: Record<string, string | undefined>;
  /** The recorded configs, by config address. */
  applied: Record<string, { serverId: string }>;
}

const base = (kind: Action['kind'], address: string, reason: string, dependsOn: string[]) => ({
  id: actionId(kind, address),
  address,
  reason,
  dependsOn: [...new Set(dependsOn)].sort(),
});

/** Joined (Ready) before the pool's upgrades start; gone once they are done. */
function surgeNodeActions(input: SurgeInput, node: TalosNode, gate: string | undefined): Action[] {
  const config = input.configs.find((c) => c.node === node.server);
  const joined: WaitAction = {
    ...base('wait', nodeObjectAddress(node.server), 'the surge node joins: Ready before the pool upgrades', [
      ...(config ? [config.id] : []),
    ]),
    kind: 'wait',
    condition: NODE_JOINED,
  };
  const why = `pool ${node.pool} is upgraded: its surge node goes`;
  const drain: DrainAction = {
    ...base('drain', node.server, why, [gate ?? joined.id]),
    kind: 'drain',
    node: node.server,
  };
  const server: DeleteAction = {
    ...base('delete', node.server, why, [drain.id]),
    kind: 'delete',
    type: 'server',
    // Empty while the server is created by this run: the runner takes the id it recorded.
    resourceId: input.serverIds[node.server] ?? '',
    before: { name: node.hostname, surge: true },
  };
  const [pool, , index] = position(node.server);
  const name = serverName(input.spec.cluster.name, pool, index);
  const kubeNode: DeleteAction = {
    ...base('delete', nodeObjectAddress(node.server), 'its server is deleted: the Node object goes too', [
      server.id,
    ]),
    kind: 'delete',
    type: 'kube_node',
    resourceId: name,
    before: { server: node.server, name, replaced: false },
  };
  const forget: DeleteAction = {
    ...base('delete', node.config, 'the surge node left the cluster', [kubeNode.id]),
    kind: 'delete',
    type: 'talos_config',
    resourceId: input.applied[node.config]?.serverId ?? '',
    before: { server: node.server },
  };
  return [joined, drain, server, kubeNode, forget];
}

/**
 * The surge nodes' waits and removals; the pool's upgrades are made to wait for its surge nodes.
 * Mutates the upgrade actions' dependencies.
 */
export function planSurge(input: SurgeInput): Action[] {
  const actions: Action[] = [];
  for (const pool of input.pools) {
    const upgrades = input.upgrades.actions.filter((a) => a.group === poolGroup(pool));
    const gateId = `wait:${gatePool(pool)}`;
    const gate = input.upgrades.actions.some((a) => a.id === gateId) ? gateId : undefined;
    const joined: string[] = [];
    for (const node of surgeNodes(input.spec, pool)) {
      const own = surgeNodeActions(input, node, gate);
      actions.push(...own);
      joined.push((own[0] as Action).id);
    }
    for (const upgrade of upgrades)
      upgrade.dependsOn = [...new Set([...upgrade.dependsOn, ...joined])].sort();
  }
  return actions;
}

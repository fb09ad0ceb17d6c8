/**
 * `maxSurge`: extra servers for a worker pool while its nodes go away one batch at a time — a
 * rolling Talos upgrade, or a replacement (`--replace`, a field that cannot change in place). While
 * a pool with `upgrade.maxSurge > 0` has nodes to upgrade or replace, its surge nodes
 * (`server.<pool>.s<k>`, hostname `<cluster>-<pool>-s<k>`) are wanted: created at the new version
 * (they need no upgrade), configured and joined before the pool's first upgrade or drain, and
 * removed — drain → delete the server → delete the Node → forget the config — once the pool's
 * upgrades passed their health gate and its replacements joined, in the same run. Once the pool has
 * nothing left to do they are no longer wanted, so a surge server left by an interrupted run goes
 * the ordinary removal way (removal.ts). Surge adds capacity only: the pool's numbered nodes still
 * go at most `maxUnavailable` at a time. Pure.
 */
import type { Spec } from '../../spec/schema.js';
import { serverName, serverPosition } from '../../resources/hcloud/names.js';
import { actionId } from '../diff.js';
import type { Action, ApplyConfigAction, DeleteAction, DrainAction, WaitAction } from '../types.js';
import { nodeObjectAddress, surgeNodes, talosNodes, type TalosNode } from './nodes.js';
import type { TalosPlanInput } from './plan-talos.js';
import { position, NODE_JOINED, type ReplacedNode } from './removal.js';
import { installedImages } from './upgrade-hook.js';
import { gatePool, poolGroup, stepsFor, type UpgradePlan } from './upgrades.js';

/** The numbered servers an infrastructure diff replaces (a new machine under the same name). */
export function replacingServers(infra: readonly Action[]): string[] {
  return infra
    .filter((a) => a.kind === 'replace' && serverPosition(a.address)?.surge === false)
    .map((a) => a.address);
}

/**
 * The worker pools whose surge nodes are wanted: `maxSurge > 0` and a numbered node to upgrade
 * (observed versions) or to replace (`replacing`, from the infrastructure diff).
 */
export function surgePools(
  input: Pick<TalosPlanInput, 'spec' | 'versions' | 'applied'>,
  replacing: readonly string[] = [],
): string[] {
  const { spec, versions } = input;
  const upgrade = versions && { spec, versions, installed: installedImages(input.applied) };
  const busy = (n: TalosNode) =>
    replacing.includes(n.server) || (upgrade !== undefined && stepsFor(upgrade, n).length > 0);
  const pending = talosNodes(spec).filter((n) => n.role === 'worker' && busy(n));
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
  /** The replaced nodes (removal.ts): a pool's go after its surge nodes joined, and before they go. */
  replaced: readonly ReplacedNode[];
}

export interface SurgePlan {
  actions: Action[];
  /** `[action id, id it must wait for]`: a replaced node's first steps wait for the surge nodes. */
  links: Array<[string, string]>;
}

const base = (kind: Action['kind'], address: string, reason: string, dependsOn: string[]) => ({
  id: actionId(kind, address),
  address,
  reason,
  dependsOn: [...new Set(dependsOn)].sort(),
});

/** Joined (Ready) before the pool's upgrades start; gone once they are done. */
function surgeNodeActions(input: SurgeInput, node: TalosNode, after: readonly string[]): Action[] {
  const config = input.configs.find((c) => c.node === node.server);
  const joined: WaitAction = {
    ...base('wait', nodeObjectAddress(node.server), 'the surge node joins: Ready before the pool upgrades', [
      ...(config ? [config.id] : []),
    ]),
    kind: 'wait',
    condition: NODE_JOINED,
  };
  const why = `pool ${node.pool} is done: its surge node goes`;
  const drain: DrainAction = {
    ...base('drain', node.server, why, after.length > 0 ? [...after] : [joined.id]),
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
 * The surge nodes' waits and removals; the pool's upgrades are made to wait for its surge nodes
 * (mutating their dependencies), its replacements through the links returned.
 */
export function planSurge(input: SurgeInput): SurgePlan {
  const out: SurgePlan = { actions: [], links: [] };
  for (const pool of input.pools) {
    const upgrades = input.upgrades.actions.filter((a) => a.group === poolGroup(pool));
    const gateId = `wait:${gatePool(pool)}`;
    const gate = input.upgrades.actions.some((a) => a.id === gateId) ? [gateId] : [];
    const replaced = input.replaced.filter((r) => serverPosition(r.server)?.pool === pool);
    const after = [...gate, ...replaced.map((r) => r.joined)];
    const joined: string[] = [];
    for (const node of surgeNodes(input.spec, pool)) {
      const own = surgeNodeActions(input, node, after);
      out.actions.push(...own);
      joined.push((own[0] as Action).id);
    }
    for (const upgrade of upgrades)
      upgrade.dependsOn = [...new Set([...upgrade.dependsOn, ...joined])].sort();
    for (const step of replaced)
      for (const first of step.first) for (const id of joined) out.links.push([first, id]);
  }
  return out;
}

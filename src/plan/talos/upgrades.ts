/**
 * Rolling Talos upgrades, planned from the version each node was *observed* to run: a node whose
 * version differs from `talos.version` (or whose recorded installer has another schematic) gets one
 * `upgrade` action per step of its upgrade path. Control planes go one at a time, in address order;
 * then the worker pools, one pool after another, at most `maxUnavailable` nodes of a pool at once.
 * Health gates (`wait` actions) stand before the first upgrade, after the control planes and after
 * each pool. Pure.
 */
import { applyModeFor } from '../../talos/config/index.js';
import { talosUpgradePath } from '../../talos/versions.js';
import type { Spec } from '../../spec/schema.js';
import type { Action, ActionGraph, ApplyConfigAction, UpgradeAction, WaitAction } from '../types.js';
import { installerImage, schematicOfImage, versionOfImage } from './installer.js';
import { talosNodes, type TalosNode } from './nodes.js';

/** What plan-time observation learned of a node's running Talos (src/observe/talos.ts). */
export type NodeVersion = { status: 'running'; version: string } | { status: 'unknown'; reason: string };

export interface UpgradeInput {
  spec: Spec;
  /** By server address; only nodes with an applied config are observed. */
  versions: Record<string, NodeVersion>;
  /** The installer image each node was last installed or upgraded with, by server address. */
  installed: Record<string, string | undefined>;
}

export interface UpgradePlan {
  actions: Action[];
  groups: ActionGraph['groups'];
  /** The first and last step of each upgraded node, by server address. */
  steps: Map<string, { first: string; last: string }>;
}

/** Control-plane upgrades share the reboot group: one node down at a time, whatever takes it down. */
export const CONTROL_PLANE_UPGRADE_GROUP = 'talos-reboot';
export const GATE_BEFORE = 'talos.gate.before-upgrades';
export const GATE_CONTROL_PLANES = 'talos.gate.control-planes';
export const gatePool = (pool: string) => `talos.gate.pool.${pool}`;
export const poolGroup = (pool: string) => `talos-upgrade.${pool}`;
export const nodeAddress = (server: string) => `talos.node.${server.slice('server.'.length)}`;

interface Step {
  from: string | null;
  to: string;
  reason: string;
}

/** The steps one node needs, or none. */
export function stepsFor(input: UpgradeInput, node: TalosNode): Step[] {
  const target = input.spec.talos.version;
  const wanted = installerImage(input.spec, target);
  const observed = input.versions[node.server];
  const installed = input.installed[node.server];
  if (!observed) return [];
  if (observed.status === 'unknown') {
    // Not answering is not "upgraded": trust only what hk8s itself installed last.
    if (installed === wanted) return [];
    const believed = installed ? versionOfImage(installed) : undefined;
    const why = `the node did not answer (${observed.reason}); last installed ${believed ?? 'unknown'}`;
    return path(believed ?? target, target).map((to) => ({ from: null, to, reason: why }));
  }
  const running = observed.version;
  if (running !== target) {
    return path(running, target).map((to, i, all) => ({
      from: i === 0 ? running : (all[i - 1] as string),
      to,
      reason: `runs Talos ${running}, the spec asks for ${target}`,
    }));
  }
  if (installed && schematicOfImage(installed) !== schematicOfImage(wanted)) {
    return [{ from: running, to: target, reason: 'the image schematic changed' }];
  }
  return [];
}

function path(from: string, to: string): string[] {
  const steps = talosUpgradePath(from, to);
  // The same version with a new schematic still needs one install.
  return steps.length > 0 ? steps : [to];
}

function upgradeAction(spec: Spec, node: TalosNode, step: Step, dependsOn: string[]): UpgradeAction {
  const address = nodeAddress(node.server);
  return {
    id: `upgrade:${address}@${step.to}`,
    kind: 'upgrade',
    address,
    dependsOn: [...new Set(dependsOn)].sort(),
    reason: step.reason,
    node: node.server,
    role: node.role,
    from: step.from,
    to: step.to,
    image: installerImage(spec, step.to),
  };
}

function gate(address: string, reason: string, dependsOn: string[]): WaitAction {
  return {
    id: `wait:${address}`,
    kind: 'wait',
    address,
    dependsOn: [...new Set(dependsOn)].sort(),
    reason,
    condition: 'upgrade-gate',
  };
}

/** Upgrades of the nodes in `nodes`, chained after `after`; returns the ids of each node's steps. */
function planNodes(
  input: UpgradeInput,
  nodes: readonly TalosNode[],
  after: string[],
  options: { serial: boolean; group: string },
  out: UpgradePlan,
): void {
  let previous = after;
  for (const node of nodes) {
    const steps = stepsFor(input, node);
    if (steps.length === 0) continue;
    let deps = previous;
    let first: string | undefined;
    for (const step of steps) {
      const action = { ...upgradeAction(input.spec, node, step, deps), group: options.group };
      out.actions.push(action);
      first ??= action.id;
      deps = [action.id];
    }
    out.steps.set(node.server, { first: first as string, last: deps[0] as string });
    if (options.serial) previous = deps;
  }
}

/** Every upgrade the observed versions call for, ordered and limited, with their health gates. */
export function planUpgrades(input: UpgradeInput, skip: ReadonlySet<string>): UpgradePlan {
  const out: UpgradePlan = { actions: [], groups: {}, steps: new Map() };
  const nodes = talosNodes(input.spec).filter((n) => !skip.has(n.server));
  if (!nodes.some((n) => stepsFor(input, n).length > 0)) return out;
  const before = gate(GATE_BEFORE, 'etcd, nodes and control-plane pods healthy before upgrading', []);
  out.actions.push(before);
  const controlPlanes = nodes.filter((n) => n.role === 'controlplane');
  planNodes(input, controlPlanes, [before.id], { serial: true, group: CONTROL_PLANE_UPGRADE_GROUP }, out);
  out.groups[CONTROL_PLANE_UPGRADE_GROUP] = { limit: 1 };
  let previous = before.id;
  const cpLast = controlPlanes.flatMap((n) => lastOf(out, n));
  if (cpLast.length > 0) {
    const after = gate(GATE_CONTROL_PLANES, 'healthy after the control planes were upgraded', cpLast);
    out.actions.push(after);
    previous = after.id;
  }
  for (const pool of input.spec.workers.pools) {
    const members = nodes.filter((n) => n.role === 'worker' && n.pool === pool.name);
    const group = poolGroup(pool.name);
    planNodes(input, members, [previous], { serial: false, group }, out);
    const last = members.flatMap((n) => lastOf(out, n));
    if (last.length === 0) continue;
    out.groups[group] = { limit: Math.max(1, Math.min(pool.upgrade.maxUnavailable, pool.count)) };
    const after = gate(gatePool(pool.name), `healthy after pool ${pool.name} was upgraded`, last);
    out.actions.push(after);
    previous = after.id;
  }
  return out;
}

function lastOf(plan: UpgradePlan, node: TalosNode): string[] {
  const steps = plan.steps.get(node.server);
  return steps ? [steps.last] : [];
}

const INSTALL = 'machine.install';
const isInstallPath = (path: string) => path === INSTALL || path.startsWith(`${INSTALL}.`);

/**
 * A node that is upgraded carries its `machine.install` changes in the upgrade (the installer
 * reads them), so they never make its config change reboot on its own. What else needs a reboot
 * is staged and activated by the upgrade's reboot. The config goes first, so the installer sees it.
 * Rebooting config changes of other nodes wait until the upgrades are done, so no reboot ever
 * overlaps an upgrade beyond the limits.
 */
export function fitConfigsToUpgrades(configs: ApplyConfigAction[], plan: UpgradePlan): void {
  if (plan.steps.size === 0) return;
  const lastSteps = [...plan.steps.values()].map((s) => s.last);
  for (const config of configs) {
    if (config.mode === 'initial') continue;
    const steps = plan.steps.get(config.node);
    if (!steps) {
      if (config.mode === 'reboot')
        config.dependsOn = [...new Set([...config.dependsOn, ...lastSteps])].sort();
      continue;
    }
    const rest = config.changes.filter((c) => !isInstallPath(c.path));
    // A change hk8s cannot see (no previous config recorded) keeps its reboot, on its own.
    if (rest.some((c) => c.path.startsWith('('))) continue;
    config.mode = applyModeFor(rest) === 'reboot' ? 'staged' : 'no-reboot';
    const first = plan.actions.find((a) => a.id === steps.first);
    if (first) first.dependsOn = [...new Set([...first.dependsOn, config.id])].sort();
  }
}

/**
 * Server updates that take a node down or bring it back — a type change (power off, change type,
 * power on) and a power-on of a server found off — rolled like an upgrade. Pure.
 *
 *   control planes, one at a time: health gate (etcd members and leader, nodes Ready, control-plane
 *     pods) → drain → update → back (Ready, uncordoned) → health gate → the next one
 *   workers, pool after pool, `upgrade.maxUnavailable` nodes of a pool at a time: drain → update →
 *     back; the next batch starts once the whole batch is back
 *
 * A power-on alone is not disruptive: it runs at once (it restores health), gets its `back` wait,
 * and the disruptive steps start only after it. Talos upgrades of the same plan wait for the rest.
 */
import type { Spec } from '../spec/schema.js';
import { talosNodes, type TalosNode } from './talos/nodes.js';
import { GATE_BEFORE } from './talos/upgrades.js';
import type { Action, UpdateAction, WaitAction } from './types.js';

/** The `wait` condition after a node's server came back: its Node Ready, then uncordoned. */
export const NODE_BACK = 'node-back';
export const ROLL_GATE_BEFORE = 'talos.gate.servers.before';
export const rollGateAfter = (server: string) => `talos.gate.servers.${server.slice('server.'.length)}`;

interface Step {
  node: TalosNode;
  update: UpdateAction;
  drain?: Action;
  disruptive: boolean;
}

function touches(update: UpdateAction, field: string): boolean {
  return update.patch.some((op) => op.path === `/${field}` || op.path.startsWith(`/${field}/`));
}

function steps(actions: readonly Action[], spec: Spec): Step[] {
  const found: Step[] = [];
  for (const node of talosNodes(spec)) {
    const update = actions.find(
      (a): a is UpdateAction => a.kind === 'update' && a.type === 'server' && a.address === node.server,
    );
    if (!update || !(touches(update, 'server_type') || touches(update, 'power'))) continue;
    const drain = actions.find((a) => a.kind === 'drain' && a.address === node.server);
    found.push({ node, update, disruptive: drain !== undefined, ...(drain ? { drain } : {}) });
  }
  return found;
}

function wait(address: string, condition: string, reason: string, dependsOn: string[]): WaitAction {
  return {
    id: `wait:${address}`,
    kind: 'wait',
    address,
    dependsOn: [...new Set(dependsOn)].sort(),
    reason,
    condition,
  };
}

const back = (step: Step) =>
  wait(step.node.server, NODE_BACK, `${step.node.hostname} Ready again, then uncordoned`, [step.update.id]);

/** Batches of a pool's disruptive steps, at most `maxUnavailable` nodes each. */
function workerBatches(spec: Spec, disruptive: readonly Step[]): Step[][] {
  const batches: Step[][] = [];
  for (const pool of spec.workers.pools) {
    const members = disruptive.filter((s) => s.node.role === 'worker' && s.node.pool === pool.name);
    const size = Math.max(1, pool.upgrade.maxUnavailable);
    for (let i = 0; i < members.length; i += size) batches.push(members.slice(i, i + size));
  }
  return batches;
}

/**
 * The waits and gates of every node-disrupting server update, and the links that order them:
 * `[action id, id it must wait for]` on the actions already planned.
 */
export function planRolling(
  actions: readonly Action[],
  spec: Spec,
): { actions: Action[]; links: Array<[string, string]> } {
  const all = steps(actions, spec);
  const out: Action[] = [];
  const links: Array<[string, string]> = [];
  const start = (step: Step, after: readonly string[]) => {
    for (const id of after) links.push([(step.drain ?? step.update).id, id]);
  };
  const powerOns = all.filter((s) => !s.disruptive).map(back);
  out.push(...powerOns);
  let previous = powerOns.map((w) => w.id);
  const disruptive = all.filter((s) => s.disruptive);
  const controlPlanes = disruptive.filter((s) => s.node.role === 'controlplane');
  if (controlPlanes.length > 0) {
    const before = wait(ROLL_GATE_BEFORE, 'upgrade-gate', 'etcd and every node healthy first', previous);
    out.push(before);
    previous = [before.id];
  }
  for (const step of controlPlanes) {
    start(step, previous);
    const done = back(step);
    const gate = wait(
      rollGateAfter(step.node.server),
      'upgrade-gate',
      `etcd healthy with ${step.node.hostname} back`,
      [done.id],
    );
    out.push(done, gate);
    previous = [gate.id];
  }
  for (const batch of workerBatches(spec, disruptive)) {
    for (const step of batch) start(step, previous);
    const done = batch.map(back);
    out.push(...done);
    previous = done.map((w) => w.id);
  }
  // A Talos upgrade in the same plan starts once every server is back.
  if (actions.some((a) => a.id === `wait:${GATE_BEFORE}`))
    for (const id of previous) links.push([`wait:${GATE_BEFORE}`, id]);
  return { actions: out, links };
}

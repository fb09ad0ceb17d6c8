/**
 * Nodes that leave the cluster — removed (a pool scaled down or taken out of the spec) or replaced
 * (`--replace`, a field that cannot change in place, a server re-created) — and the order of their
 * steps. Pure.
 *
 *   removed:  drain → (control plane) leave etcd → delete the server → delete the Node → forget the config
 *   replaced: drain → (control plane) leave etcd → replace the server → delete the old Node → first
 *             config → joined (in etcd, Ready); the next replaced node starts once this one has joined;
 *             after a control plane, the other nodes' configs take its new addresses
 *
 * The Node object goes after the server (as Cluster API orders it): a kubelet that still runs
 * registers a deleted Node again, which would leave a NotReady ghost behind. Load-balancer targets
 * need no step: hk8s targets servers by label selector, so a deleted server stops being a target.
 * Control planes leave etcd one at a time, newest first.
 */
import type { Spec } from '../../spec/schema.js';
import { serverName, serverPosition, type ServerIndex } from '../../resources/hcloud/names.js';
import { actionId } from '../diff.js';
import type { Action, ApplyConfigAction, DeleteAction, LeaveEtcdAction, WaitAction } from '../types.js';
import { configAddress, nodeObjectAddress, serverOf, talosNodes, type ClusterFacts } from './nodes.js';
import { checkControlPlaneQuorum, type Role } from './quorum.js';

/** Leaving etcd changes its membership: never two at once. */
export const ETCD_GROUP = 'etcd-membership';

/** The `wait` condition of a replaced node: its new node is in etcd (control planes) and Ready. */
export const NODE_JOINED = 'node-joined';

export interface RecordedConfig {
  serverId: string;
  role?: Role;
}

export interface NodeChangeInput {
  spec: Spec;
  /** The worker pools whose surge nodes are wanted (surge.ts): their configs are kept. */
  surgePools?: readonly string[];
  facts: ClusterFacts;
  /** The configs hk8s applied, by config address. */
  applied: Record<string, RecordedConfig>;
  bootstrapped: boolean;
  /** `--force`: accept an even number of control planes. */
  force: boolean;
  infra: readonly Action[];
  /** The Talos planner's config actions (a replaced node's first config among them). */
  configs: readonly ApplyConfigAction[];
  /** The health gate, when one is planned. */
  healthId?: string;
}

export interface NodeChanges {
  actions: Action[];
  /** Extra dependencies, `[action id, id it must wait for]`, on infrastructure and Talos actions alike. */
  links: Array<[string, string]>;
  /** Dependencies to drop, `[action id, dependency id]`: a config never waits for a later replacement. */
  unlinks: Array<[string, string]>;
  groups: Record<string, { limit: number }>;
  /** Each replaced node's first steps and its joined wait: surge nodes go around them (surge.ts). */
  replaced: ReplacedNode[];
}

export interface ReplacedNode {
  server: string;
  /** The steps that take the old node away first (its drain, else what comes first). */
  first: string[];
  /** The wait that its new machine joined. */
  joined: string;
}

const base = (
  kind: Action['kind'],
  address: string,
  reason: string,
  dependsOn: Array<string | undefined>,
) => ({
  id: actionId(kind, address),
  address,
  reason,
  dependsOn: [...new Set(dependsOn.filter((d): d is string => d !== undefined))].sort(),
});

/**
 * `server.<pool>.<i>` → pool, sort rank and index, ordered by pool then number (not text: 10 after
 * 9); a pool's surge servers (`server.<pool>.s<k>`) after its numbered ones.
 */
export function position(server: string): [string, number, ServerIndex] {
  const found = serverPosition(server);
  if (!found) return [server, 0, 0];
  const rank = typeof found.index === 'number' ? found.index : SURGE_RANK + Number(found.index.slice(1));
  return [found.pool, rank, found.index];
}

const SURGE_RANK = 1_000_000;

function byPosition(a: string, b: string): number {
  const [poolA, rankA] = position(a);
  const [poolB, rankB] = position(b);
  return poolA === poolB ? rankA - rankB : poolA.localeCompare(poolB);
}

function find(infra: readonly Action[], kind: Action['kind'], server: string): Action | undefined {
  return infra.find((a) => a.kind === kind && a.address === server);
}

function roleOf(input: NodeChangeInput, config: string): Role {
  const recorded = input.applied[config]?.role;
  if (recorded) return recorded;
  const server = serverOf(config);
  if (input.spec.controlPlane.pools.some((p) => server.startsWith(`server.${p.name}.`)))
    return 'controlplane';
  // A pool no longer in the spec: the server's role label says what it was.
  const deletion = find(input.infra, 'delete', server);
  const labels = deletion?.kind === 'delete' ? deletion.before.labels : undefined;
  const role =
    labels && typeof labels === 'object' && !Array.isArray(labels) ? labels['hk8s.io/role'] : undefined;
  return role === 'control-plane' ? 'controlplane' : 'worker';
}

function leaveEtcd(
  input: NodeChangeInput,
  server: string,
  reason: string,
  dependsOn: Array<string | undefined>,
): LeaveEtcdAction {
  const [pool, , index] = position(server);
  const config = configAddress(server);
  return {
    ...base('leave-etcd', config, reason, dependsOn),
    kind: 'leave-etcd',
    node: server,
    member: serverName(input.spec.cluster.name, pool, index),
    serverId: input.applied[config]?.serverId ?? '',
    group: ETCD_GROUP,
  };
}

function deleteNodeObject(
  input: NodeChangeInput,
  server: string,
  replaced: boolean,
  reason: string,
  dependsOn: Array<string | undefined>,
): DeleteAction {
  const [pool, , index] = position(server);
  const name = serverName(input.spec.cluster.name, pool, index);
  return {
    ...base('delete', nodeObjectAddress(server), reason, dependsOn),
    kind: 'delete',
    type: 'kube_node',
    resourceId: name,
    before: { server, name, replaced },
  };
}

/** Every node whose config is recorded but which the spec no longer has. */
function planRemovals(input: NodeChangeInput, out: NodeChanges, newCapacity: boolean): void {
  const kept = new Set(talosNodes(input.spec, input.surgePools).map((n) => n.config));
  const removed = Object.keys(input.applied)
    .filter((config) => !kept.has(config))
    .map(serverOf)
    .sort(byPosition)
    .reverse();
  let previousLeave: string | undefined;
  for (const server of removed) {
    const config = configAddress(server);
    const drain = find(input.infra, 'drain', server);
    const deleteServer = find(input.infra, 'delete', server);
    // New nodes first: capacity is added before a running node is taken away.
    if (drain && newCapacity && input.healthId) out.links.push([drain.id, input.healthId]);
    let last = drain?.id;
    if (input.bootstrapped && roleOf(input, config) === 'controlplane') {
      const leave = leaveEtcd(input, server, 'the control plane leaves the cluster', [last, previousLeave]);
      out.actions.push(leave);
      previousLeave = leave.id;
      last = leave.id;
    }
    if (deleteServer) {
      if (last) out.links.push([deleteServer.id, last]);
      last = deleteServer.id;
    }
    const node = deleteNodeObject(input, server, false, 'its server is deleted: the Node object goes too', [
      last,
    ]);
    out.actions.push(node);
    out.actions.push({
      ...base('delete', config, 'the node left the cluster', [node.id]),
      kind: 'delete',
      type: 'talos_config',
      resourceId: input.applied[config]?.serverId ?? '',
      before: { server },
    });
  }
}

interface Replacement {
  server: string;
  role: Role;
  config: ApplyConfigAction;
  replace?: Action;
}

/** A node of the spec that gets a first config although one was applied before: a new machine. */
function replacements(input: NodeChangeInput): Replacement[] {
  const found: Replacement[] = [];
  for (const node of talosNodes(input.spec)) {
    const config = input.configs.find((a) => a.node === node.server && a.mode === 'initial');
    if (!config || !input.applied[node.config]) continue;
    const replace = find(input.infra, 'replace', node.server);
    found.push({ server: node.server, role: node.role, config, ...(replace ? { replace } : {}) });
  }
  // Control planes first, then workers; within a role, by position.
  return found.sort((a, b) =>
    a.role === b.role ? byPosition(a.server, b.server) : a.role === 'controlplane' ? -1 : 1,
  );
}

/**
 * Batches of the chain: each control plane alone; a worker pool's nodes `upgrade.maxUnavailable`
 * at a time (pools one after another). Each batch starts once the one before has joined.
 */
function batchesOf(input: NodeChangeInput, chain: readonly Replacement[]): number[] {
  const limit = (pool: string) =>
    Math.max(1, input.spec.workers.pools.find((p) => p.name === pool)?.upgrade.maxUnavailable ?? 1);
  const batches: number[] = [];
  let batch = -1;
  let inBatch = 0;
  let pool: string | undefined;
  for (const step of chain) {
    const [stepPool] = position(step.server);
    const full = step.role === 'controlplane' || stepPool !== pool || inBatch >= limit(stepPool);
    if (full) [batch, inBatch, pool] = [batch + 1, 0, stepPool];
    inBatch++;
    batches.push(batch);
  }
  return batches;
}

/** Replaced nodes batch by batch: drain, leave, replace, clear the old Node, first config, joined. */
function planReplacements(input: NodeChangeInput, out: NodeChanges, chain: Replacement[]): void {
  const batches = batchesOf(input, chain);
  const joinedOf = new Map<number, string[]>();
  chain.forEach((step, i) => {
    const { server, config, replace } = step;
    const drain = find(input.infra, 'drain', server);
    const first: string[] = [];
    let last = drain?.id;
    if (drain) first.push(drain.id);
    if (step.role === 'controlplane' && input.bootstrapped) {
      const leave = leaveEtcd(input, server, 'the control plane is replaced: its etcd member goes first', [
        last,
      ]);
      out.actions.push(leave);
      if (!drain) first.push(leave.id);
      // The old member leaves before the new machine can join under the same name.
      if (replace) out.links.push([replace.id, leave.id]);
      out.links.push([config.id, leave.id]);
      last = leave.id;
    }
    if (replace) {
      if (first.length === 0) first.push(replace.id);
      last = replace.id;
    }
    const node = deleteNodeObject(input, server, true, 'the server is replaced: its old Node object goes', [
      last,
    ]);
    out.actions.push(node);
    if (first.length === 0) first.push(node.id);
    out.links.push([config.id, node.id]);
    const joined: WaitAction = {
      ...base('wait', nodeObjectAddress(server), 'the new node joins: in etcd and Ready', [config.id]),
      kind: 'wait',
      condition: NODE_JOINED,
    };
    out.actions.push(joined);
    const batch = batches[i] ?? 0;
    for (const previous of joinedOf.get(batch - 1) ?? [])
      for (const id of first) out.links.push([id, previous]);
    joinedOf.set(batch, [...(joinedOf.get(batch) ?? []), joined.id]);
    out.replaced.push({ server, first: [...first], joined: joined.id });
    // Configs name every control plane's addresses; waiting for a later replacement would be a cycle.
    for (const later of chain.slice(i + 1))
      if (later.replace) out.unlinks.push([config.id, later.replace.id]);
  });
}

/**
 * A control plane with a new machine has new addresses, which every config names (certSANs): once
 * the last replacement joined, the other nodes get their config again, rendered then, without a reboot.
 */
function refreshConfigs(input: NodeChangeInput, out: NodeChanges, chain: Replacement[]): void {
  const last = out.actions.filter((a) => a.kind === 'wait' && a.id.startsWith('wait:kube.node.')).at(-1);
  if (!last || !chain.some((r) => r.role === 'controlplane')) return;
  const replaced = new Set(chain.map((r) => r.server));
  for (const node of talosNodes(input.spec)) {
    if (replaced.has(node.server) || input.configs.some((a) => a.node === node.server)) continue;
    out.actions.push({
      ...base('apply-config', node.config, 'a replaced control plane has new addresses', [last.id]),
      kind: 'apply-config',
      node: node.server,
      mode: 'no-reboot',
      changes: [{ path: "certSANs (the replaced control planes' new addresses, known after apply)" }],
    });
  }
}

export function planNodeChanges(input: NodeChangeInput): NodeChanges {
  const chain = replacements(input);
  checkControlPlaneQuorum({
    spec: input.spec,
    recorded: Object.fromEntries(Object.keys(input.applied).map((c) => [serverOf(c), roleOf(input, c)])),
    replaced: chain.filter((r) => r.role === 'controlplane').map((r) => r.server),
    bootstrapped: input.bootstrapped,
    force: input.force,
  });
  const out: NodeChanges = { actions: [], links: [], unlinks: [], groups: {}, replaced: [] };
  const newCapacity = input.infra.some((a) => a.kind === 'create' && a.address.startsWith('server.'));
  planReplacements(input, out, chain);
  refreshConfigs(input, out, chain);
  planRemovals(input, out, newCapacity);
  if (out.actions.some((a) => a.group === ETCD_GROUP)) out.groups[ETCD_GROUP] = { limit: 1 };
  return out;
}

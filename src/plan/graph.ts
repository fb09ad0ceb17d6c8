/**
 * Ordering and checking of action graphs. Deterministic: Kahn's algorithm that always takes the
 * smallest ready id, so equal inputs give byte-identical plans.
 */
import { Hk8sError } from '../errors.js';
import type { Action, ActionGraph } from './types.js';

export interface GraphNode {
  id: string;
  dependsOn: string[];
}

/** Sorts nodes so that every node comes after its dependencies. Throws 'plan.cycle' naming the cycle. */
export function topologicalOrder<T extends GraphNode>(nodes: readonly T[]): T[] {
  const byId = new Map<string, T>();
  for (const node of nodes) {
    if (byId.has(node.id)) throw new Error(`duplicate action id ${node.id}`);
    byId.set(node.id, node);
  }
  const remaining = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const node of nodes) {
    const deps = new Set(node.dependsOn);
    for (const dep of deps) {
      if (!byId.has(dep)) throw new Error(`${node.id} depends on unknown action ${dep}`);
      dependents.set(dep, [...(dependents.get(dep) ?? []), node.id]);
    }
    remaining.set(node.id, deps.size);
  }
  const ready = [...remaining].filter(([, n]) => n === 0).map(([id]) => id);
  const order: T[] = [];
  while (ready.length > 0) {
    ready.sort();
    const id = ready.shift() as string;
    order.push(byId.get(id) as T);
    for (const dependent of dependents.get(id) ?? []) {
      const left = (remaining.get(dependent) ?? 0) - 1;
      remaining.set(dependent, left);
      if (left === 0) ready.push(dependent);
    }
  }
  if (order.length !== nodes.length) {
    const cycle = findCycle(nodes.filter((n) => (remaining.get(n.id) ?? 0) > 0));
    throw new Hk8sError('plan.cycle', `the actions depend on each other in a cycle: ${cycle.join(' → ')}`, {
      hint: 'This is a bug in hk8s; please report it with `hk8s plan --json`.',
    });
  }
  return order;
}

/** Finds one cycle among nodes that could not be ordered, for the error message. */
function findCycle(nodes: readonly GraphNode[]): string[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const visiting: string[] = [];
  const done = new Set<string>();
  const visit = (id: string): string[] | undefined => {
    const at = visiting.indexOf(id);
    if (at >= 0) return [...visiting.slice(at), id];
    if (done.has(id) || !byId.has(id)) return undefined;
    visiting.push(id);
    for (const dep of [...(byId.get(id)?.dependsOn ?? [])].sort()) {
      const found = visit(dep);
      if (found) return found;
    }
    visiting.pop();
    done.add(id);
    return undefined;
  };
  for (const node of [...nodes].sort((a, b) => a.id.localeCompare(b.id))) {
    const found = visit(node.id);
    if (found) return found;
  }
  return nodes.map((n) => n.id);
}

export function sortGraph(actions: readonly Action[], groups: ActionGraph['groups'] = {}): ActionGraph {
  return { actions: topologicalOrder(actions), groups };
}

/** Keeps only the actions for the given addresses and everything they depend on (Terraform's -target). */
export function restrictToTargets(graph: ActionGraph, targets: readonly string[]): ActionGraph {
  const byId = new Map(graph.actions.map((a) => [a.id, a]));
  const keep = new Set<string>();
  const stack = graph.actions
    .filter((a) => targets.some((t) => matchesAddress(a.address, t)))
    .map((a) => a.id);
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (keep.has(id)) continue;
    keep.add(id);
    stack.push(...(byId.get(id)?.dependsOn ?? []));
  }
  return { ...graph, actions: graph.actions.filter((a) => keep.has(a.id)) };
}

/** `server.workers` matches `server.workers.3`; an exact address matches itself. */
export function matchesAddress(address: string, pattern: string): boolean {
  return address === pattern || address.startsWith(`${pattern}.`);
}

function quote(text: string): string {
  return JSON.stringify(text);
}

export function toDot(graph: ActionGraph): string {
  const lines = ['digraph hk8s {', '  rankdir=LR;', '  node [shape=box, fontname="monospace"];'];
  for (const action of graph.actions) {
    lines.push(`  ${quote(action.id)} [label=${quote(`${action.kind} ${action.address}`)}];`);
  }
  for (const action of graph.actions) {
    for (const dep of action.dependsOn) lines.push(`  ${quote(dep)} -> ${quote(action.id)};`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

export function toMermaid(graph: ActionGraph): string {
  const ids = new Map(graph.actions.map((a, i) => [a.id, `a${i}`]));
  const lines = ['flowchart LR'];
  for (const action of graph.actions) {
    lines.push(`  ${ids.get(action.id)}["${action.kind} ${action.address}"]`);
  }
  for (const action of graph.actions) {
    for (const dep of action.dependsOn) lines.push(`  ${ids.get(dep)} --> ${ids.get(action.id)}`);
  }
  return `${lines.join('\n')}\n`;
}

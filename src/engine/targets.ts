/**
 * `--target` names addresses: one that matches nothing is a typo, not "No changes". Known are the
 * addresses the spec wants, the cloud has, the state records and the whole plan would touch, and
 * every prefix of them (`server.workers` is the whole pool).
 */
import { Hk8sError } from '../errors.js';
import { matchesAddress } from '../plan/graph.js';
import { editDistance } from '../spec/suggest.js';

/** Every address and each of its dotted prefixes: what a target may name. */
function patterns(addresses: Iterable<string>): Set<string> {
  const all = new Set<string>();
  for (const address of addresses) {
    const parts = address.split('.');
    for (let i = 1; i <= parts.length; i++) all.add(parts.slice(0, i).join('.'));
  }
  return all;
}

/** The nearest names first, at most `count`; ties broken alphabetically so the line is stable. */
export function closestAddresses(word: string, candidates: Iterable<string>, count = 3): string[] {
  return [...candidates]
    .map((name) => ({ name, distance: editDistance(word, name) }))
    .sort((a, b) => a.distance - b.distance || a.name.localeCompare(b.name))
    .slice(0, count)
    .map((c) => c.name);
}

export function assertTargetsKnown(targets: readonly string[], known: Iterable<string>): void {
  const addresses = [...known];
  const unknown = targets.filter((t) => !addresses.some((a) => matchesAddress(a, t)));
  if (unknown.length === 0) return;
  const first = unknown[0] as string;
  const nearest = closestAddresses(first, patterns(addresses));
  const more = unknown.length > 1 ? ` (and ${unknown.slice(1).join(', ')})` : '';
  throw new Hk8sError('plan.target', `${first}${more} matches no address of this cluster`, {
    where: '--target',
    hint:
      nearest.length > 0
        ? `The closest addresses are ${nearest.join(', ')}; \`hk8s plan\` lists them all.`
        : 'This cluster has no addresses yet.',
  });
}

/** `--replace` names what exists: an address the cloud does not have is refused with the closest that it has. */
export function assertReplaceKnown(replace: readonly string[], existing: Iterable<string>): void {
  const addresses = new Set(existing);
  const unknown = replace.filter((r) => !addresses.has(r));
  if (unknown.length === 0) return;
  const first = unknown[0] as string;
  const nearest = closestAddresses(first, addresses);
  const more = unknown.length > 1 ? ` (and ${unknown.slice(1).join(', ')})` : '';
  throw new Hk8sError('plan.target', `cannot replace ${first}${more}: it does not exist`, {
    where: '--replace',
    hint:
      nearest.length > 0
        ? `The closest addresses that exist are ${nearest.join(', ')}; \`hk8s state list\` lists them all.`
        : 'Nothing of this cluster exists yet.',
  });
}

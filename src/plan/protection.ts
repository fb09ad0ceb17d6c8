/**
 * Delete protection means what Hetzner means by it: hk8s does not delete what is protected. A plan
 * that would delete or replace a protected object is refused while the spec asks for protection;
 * once the spec says `deleteProtection: false`, lifting it is part of the change the user asked for.
 */
import type { Action, Json } from './types.js';

const isProtected = (before: { [key: string]: Json }): boolean => {
  const protection = before.protection;
  return (
    typeof protection === 'object' &&
    protection !== null &&
    !Array.isArray(protection) &&
    protection.delete === true
  );
};

/** Addresses the plan would delete or replace although they are delete-protected, sorted. */
export function protectedRemovals(actions: readonly Action[]): string[] {
  const found = actions.filter((a) => (a.kind === 'delete' || a.kind === 'replace') && isProtected(a.before));
  return found.map((a) => a.address).sort();
}

/**
 * Placeholder until the talos-versions branch lands its facts table here: only the upgrade path,
 * with that branch's signature. The steps after `from`, ending at `to`; empty when equal.
 */
const VERSION = /^v?(\d+)\.(\d+)\.(\d+)/;

export function talosUpgradePath(from: string, to: string): string[] {
  const a = VERSION.exec(from);
  const b = VERSION.exec(to);
  if (!a || !b) throw new Error(`not a Talos version: ${a ? to : from}`);
  if (from === to) return [];
  const lastPatch: Record<string, string> = { 'v1.12': 'v1.12.11', 'v1.13': 'v1.13.10' };
  const path: string[] = [];
  for (let minor = Number(a[2]) + 1; minor < Number(b[2]); minor++) {
    const stop = lastPatch[`v${a[1]}.${minor}`];
    if (stop) path.push(stop);
  }
  return [...path, to];
}

/**
 * A fault for tests of upgrade failures: nodes named here install an upgrade but boot back into
 * the version they ran, as a node does whose new boot slot fails and falls back to the old one.
 * Set through the control endpoint `POST /_sandbox/talos/faults {"upgradeFallsBack": [hostname…]}`
 * (an empty list clears it); `GET /_sandbox/talos/faults` reads it. Kept in memory only.
 */
export class UpgradeFaults {
  private fallsBack = new Set<string>();

  /** True when `names` (hostname, server name, addresses) include a node set to fall back. */
  fallsBackFor(names: readonly string[]): boolean {
    return names.some((name) => this.fallsBack.has(name));
  }

  control(method: string, path: string, body: unknown): { status: number; body: unknown } | undefined {
    if (path !== '/_sandbox/talos/faults') return undefined;
    if (method === 'GET') return { status: 200, body: { upgradeFallsBack: [...this.fallsBack].sort() } };
    if (method !== 'POST') return undefined;
    const list = (body as { upgradeFallsBack?: unknown } | null)?.upgradeFallsBack;
    if (!Array.isArray(list) || !list.every((n) => typeof n === 'string')) {
      return {
        status: 400,
        body: { error: { code: 'invalid_input', message: 'upgradeFallsBack must be a list of node names' } },
      };
    }
    this.fallsBack = new Set(list);
    return { status: 200, body: { upgradeFallsBack: [...this.fallsBack].sort() } };
  }
}

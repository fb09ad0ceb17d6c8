/** Talos version tags (`v1.13.9`) and installer image references. */

export interface TalosTag {
  major: number;
  minor: number;
  patch: number;
  /** Normalized `vX.Y.Z[-pre]`. */
  tag: string;
}

export function parseTag(value: string): TalosTag | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?$/.exec(value.trim());
  if (!m) return undefined;
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return { major, minor, patch, tag: `v${major}.${minor}.${patch}${m[4] ?? ''}` };
}

/** The version an installer image installs, from its tag (`…/installer:v1.13.9`, digest allowed). */
export function versionOfImage(image: string): TalosTag | undefined {
  const withoutDigest = image.split('@')[0] ?? '';
  const colon = withoutDigest.lastIndexOf(':');
  if (colon === -1 || withoutDigest.indexOf('/', colon) !== -1) return undefined;
  return parseTag(withoutDigest.slice(colon + 1));
}

export function compareTags(a: TalosTag, b: TalosTag): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/**
 * The Image Factory schematic an installer image carries: `factory.talos.dev/installer/<id>:<tag>`
 * or a platform installer such as `…/hcloud-installer/<id>:<tag>`. Any other installer (e.g.
 * `ghcr.io/siderolabs/installer`) is built without a schematic: ''.
 */
export function schematicOfImage(image: string): string {
  const m = /^factory\.talos\.dev\/(?:[a-z0-9-]+-)?installer\/([0-9a-f]{64})(?::|@)/.exec(image.trim());
  return m?.[1] ?? '';
}

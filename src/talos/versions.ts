/**
 * The Talos and Kubernetes versions hk8s supports, as facts: which Talos patches (their schema is
 * vendored under `vendor/talos/` and the sandbox offers their image), which Kubernetes minors each
 * Talos minor runs, the Kubernetes version Talos defaults to, and from where a Talos version accepts
 * an upgrade. Pure: no I/O. Facts: reference/talos-1.13.md §4, §5 and reference/talos.md §6.
 *
 * v1.13.10 is a patch release after the facts file's v1.13.9; patch releases keep the config
 * contract, the Kubernetes range and the upgrade rules of their minor, so it shares v1.13.9's facts.
 */
import { Hk8sError } from '../errors.js';

export interface Version {
  major: number;
  minor: number;
  patch: number;
  /** The pre-release suffix without its dash (`beta.1`), or undefined for a release. */
  pre?: string;
}

export interface KubernetesRange {
  /** Lowest supported Kubernetes version, inclusive (`v1.31.0`). */
  min: string;
  /** Highest supported Kubernetes minor (`v1.36`): every patch of it is supported. */
  maxMinor: string;
}

export interface TalosMinorFacts {
  /** `v1.13`. */
  minor: string;
  /** Supported patches of this minor, oldest first (`v1.13.9`, `v1.13.10`). */
  patches: readonly string[];
  kubernetes: KubernetesRange;
  /** `constants.DefaultKubernetesVersion` of the minor's last patch in the facts file. */
  defaultKubernetes: string;
  /** The installer of this minor refuses to upgrade a host below this version. */
  upgradeAllowedFrom: string;
}

/** Oldest minor first. */
export const TALOS_MINORS: readonly TalosMinorFacts[] = [
  {
    minor: 'v1.12',
    patches: ['v1.12.11'],
    kubernetes: { min: 'v1.30.0', maxMinor: 'v1.35' },
    defaultKubernetes: 'v1.35.4',
    upgradeAllowedFrom: 'v1.10.0',
  },
  {
    minor: 'v1.13',
    patches: ['v1.13.9', 'v1.13.10'],
    kubernetes: { min: 'v1.31.0', maxMinor: 'v1.36' },
    defaultKubernetes: 'v1.36.3',
    upgradeAllowedFrom: 'v1.11.0',
  },
];

/**
 * Kubernetes patches the facts files name, used as the stop of an intermediate minor when a
 * Kubernetes upgrade passes through it (the newest known patch of that minor, else `.0`).
 */
const KNOWN_KUBERNETES_PATCHES: readonly string[] = ['v1.35.0', 'v1.35.4', 'v1.36.0', 'v1.36.3'];

const VERSION = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?$/;

/** `v1.13.9`, `1.36`, `v1.14.0-rc.1` → its parts (a missing patch is 0); undefined for anything else. */
export function parseVersion(text: string): Version | undefined {
  const match = VERSION.exec(text.trim());
  if (!match) return undefined;
  const version: Version = { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3] ?? 0) };
  if (match[4] !== undefined) version.pre = match[4];
  return version;
}

function mustParse(text: string, where: string): Version {
  const version = parseVersion(text);
  if (!version) {
    throw new Hk8sError('spec.invalid', `${JSON.stringify(text)} is not a version`, {
      where,
      hint: 'Write a version such as v1.13.9.',
    });
  }
  return version;
}

function compareParsed(a: Version, b: Version): number {
  const numeric = a.major - b.major || a.minor - b.minor || a.patch - b.patch;
  if (numeric !== 0) return numeric;
  // A pre-release sorts before its release; two pre-releases compare as text, enough for rc.1 < rc.2.
  if (a.pre === b.pre) return 0;
  if (a.pre === undefined) return 1;
  if (b.pre === undefined) return -1;
  return a.pre < b.pre ? -1 : 1;
}

/** Negative, zero or positive as `a` is older than, the same as or newer than `b`. */
export function compareVersions(a: string, b: string): number {
  return Math.sign(compareParsed(mustParse(a, 'version'), mustParse(b, 'version')));
}

function minorKey(version: Version): string {
  return `v${version.major}.${version.minor}`;
}

/** `v1.13.9` → `v1.13`; undefined when the text is no version. */
export function minorOfVersion(text: string): string | undefined {
  const version = parseVersion(text);
  return version ? minorKey(version) : undefined;
}

/** Every supported Talos version, oldest first. */
export function supportedTalosVersions(): string[] {
  return TALOS_MINORS.flatMap((entry) => entry.patches);
}

/** The newest supported Talos version (the spec's default). */
export function latestTalosVersion(): string {
  const all = supportedTalosVersions();
  return all[all.length - 1] as string;
}

/** True for exactly the versions `supportedTalosVersions()` lists (`v` prefix required). */
export function isSupportedTalos(version: string): boolean {
  return supportedTalosVersions().includes(version.trim());
}

/** The facts of the minor a Talos version belongs to, or undefined when hk8s knows no such minor. */
export function talosMinorFacts(version: string): TalosMinorFacts | undefined {
  const minor = minorOfVersion(version);
  return TALOS_MINORS.find((entry) => entry.minor === minor);
}

function unsupportedTalos(version: string): Hk8sError {
  return new Hk8sError('spec.invalid', `Talos ${version} is not supported`, {
    where: 'talos.version',
    hint: `Use one of ${supportedTalosVersions().join(', ')}.`,
  });
}

/** The Kubernetes versions a Talos version runs; an Hk8sError for a Talos minor hk8s does not know. */
export function kubernetesRangeFor(talos: string): KubernetesRange {
  const facts = talosMinorFacts(talos);
  if (!facts) throw unsupportedTalos(talos);
  return facts.kubernetes;
}

/** `v1.31.0 to v1.36.x`, for messages. */
export function describeKubernetesRange(range: KubernetesRange): string {
  return `${range.min} to ${range.maxMinor}.x`;
}

/** True when the Kubernetes version lies in the range (every patch of the highest minor counts). */
export function kubernetesInRange(kubernetes: string, range: KubernetesRange): boolean {
  const version = parseVersion(kubernetes);
  const min = parseVersion(range.min);
  const max = parseVersion(range.maxMinor);
  if (!version || !min || !max) return false;
  const inMinor = { ...version, patch: 0, pre: undefined };
  return compareParsed(version, min) >= 0 && compareParsed(inMinor, { ...max, patch: 0 }) <= 0;
}

/** The newest supported patch of a Talos minor (`v1.12` → `v1.12.11`). */
function lastPatchOf(minor: string): string | undefined {
  const facts = TALOS_MINORS.find((entry) => entry.minor === minor);
  return facts?.patches[facts.patches.length - 1];
}

/**
 * The Talos versions an upgrade from `from` to `to` passes through, in order, excluding `from` and
 * ending with `to`: one minor at a time, through the last supported patch of every intermediate
 * minor, as the Talos upgrade notes recommend (talos.md §6.1). Empty when `from` equals `to`; just
 * `[to]` for a downgrade (the rules refuse those without --force). An Hk8sError when `to` is not
 * supported, when an intermediate minor is unknown, or when a step's installer would refuse its host.
 */
export function talosUpgradePath(from: string, to: string): string[] {
  const source = mustParse(from, 'talos.version');
  const target = mustParse(to, 'talos.version');
  if (!talosMinorFacts(to)) throw unsupportedTalos(to);
  const order = compareParsed(source, target);
  if (order === 0) return [];
  if (order > 0) return [to];
  if (source.major !== target.major) {
    throw new Hk8sError('spec.invalid', `Talos ${from} → ${to} crosses a major version`, {
      where: 'talos.version',
      hint: 'hk8s upgrades within one major version only.',
    });
  }
  const path: string[] = [];
  for (let minor = source.minor + 1; minor < target.minor; minor += 1) {
    const key = `v${source.major}.${minor}`;
    const stop = lastPatchOf(key);
    if (stop === undefined) {
      throw new Hk8sError(
        'spec.invalid',
        `Talos ${from} → ${to} passes through ${key}, which hk8s does not support`,
        {
          where: 'talos.version',
          hint: `Upgrade one minor at a time through supported versions: ${supportedTalosVersions().join(', ')}.`,
        },
      );
    }
    path.push(stop);
  }
  path.push(to);
  checkSteps(from, path);
  return path;
}

/** True when the installer of `target` accepts a host running `host` (its "upgrade allowed from"). */
export function upgradeAllowed(host: string, target: string): boolean {
  const floor = talosMinorFacts(target)?.upgradeAllowedFrom;
  return floor !== undefined && compareVersions(host, floor) >= 0;
}

// One minor at a time keeps every step above its installer's floor with today's facts; the check
// keeps a future table entry with a higher floor from producing a path the nodes would refuse.
function checkSteps(from: string, path: readonly string[]): void {
  let host = from;
  for (const step of path) {
    if (!upgradeAllowed(host, step)) {
      throw new Hk8sError('spec.invalid', `Talos ${step} cannot upgrade a node running ${host}`, {
        where: 'talos.version',
        hint: `The ${step} installer accepts hosts from ${talosMinorFacts(step)?.upgradeAllowedFrom ?? '?'}; upgrade to a version in between first.`,
      });
    }
    host = step;
  }
}

function kubernetesStop(major: number, minor: number): string {
  const prefix = `v${major}.${minor}.`;
  const known = KNOWN_KUBERNETES_PATCHES.filter((patch) => patch.startsWith(prefix));
  return known.sort(compareVersions).at(-1) ?? `${prefix}0`;
}

/**
 * The Kubernetes versions an upgrade from `from` to `to` passes through, one minor at a time,
 * excluding `from`, ending with `to` (talosctl upgrade-k8s refuses skipped minors, talos.md §6.2).
 * Empty when equal; `[to]` for a downgrade or a patch change.
 */
export function kubernetesUpgradePath(from: string, to: string): string[] {
  const source = mustParse(from, 'kubernetes.version');
  const target = mustParse(to, 'kubernetes.version');
  const order = compareParsed(source, target);
  if (order === 0) return [];
  if (order > 0 || source.major !== target.major) return [to];
  const path: string[] = [];
  for (let minor = source.minor + 1; minor < target.minor; minor += 1) {
    path.push(kubernetesStop(source.major, minor));
  }
  path.push(to);
  return path;
}

/** Minors between two versions (`v1.34.2` → `v1.36.0` is 2); negative for a downgrade. */
export function minorDistance(from: string, to: string): number {
  const a = mustParse(from, 'version');
  const b = mustParse(to, 'version');
  return (b.major - a.major) * 1000 + (b.minor - a.minor);
}

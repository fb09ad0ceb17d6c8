/**
 * Version rules, checked at `validate` and `plan` time so that an unsupported version never gets as
 * far as a server. Two kinds: what the spec alone allows (a supported Talos version, a Kubernetes
 * version in its range), and what a change from the versions the cluster runs allows (no skipped
 * Kubernetes minor, no Talos downgrade without --force). Facts: src/talos/versions.ts.
 */
import { Hk8sError } from '../errors.js';
import {
  compareVersions,
  describeKubernetesRange,
  isSupportedTalos,
  kubernetesInRange,
  minorDistance,
  parseVersion,
  supportedTalosVersions,
  talosMinorFacts,
  talosUpgradePath,
} from '../talos/versions.js';
import type { Report } from './rules.js';
import type { Spec } from './schema.js';

const TALOS_VERSION = ['talos', 'version'];
const KUBERNETES_VERSION = ['kubernetes', 'version'];

/** The spec on its own: Talos among the supported versions, Kubernetes in that Talos's range. */
export function checkVersions(spec: Spec, report: Report): void {
  const talos = spec.talos.version;
  if (!isSupportedTalos(talos)) {
    report(TALOS_VERSION, `Talos ${talos} is not supported; allowed: ${supportedTalosVersions().join(', ')}`);
    return;
  }
  const range = talosMinorFacts(talos)?.kubernetes;
  if (range && !kubernetesInRange(spec.kubernetes.version, range)) {
    report(
      KUBERNETES_VERSION,
      `Kubernetes ${spec.kubernetes.version} is not supported by Talos ${talos}; allowed: ${describeKubernetesRange(range)}${newerTalosHint(spec.kubernetes.version, talos)}`,
    );
  }
}

/**
 * When newer supported Talos versions run the Kubernetes version: the way there is to change
 * talos.version in the same edit (hk8s upgrades Talos first, then Kubernetes).
 */
function newerTalosHint(kubernetes: string, talos: string): string {
  const runIt = supportedTalosVersions().filter((v) => {
    const range = talosMinorFacts(v)?.kubernetes;
    return compareVersions(v, talos) > 0 && range !== undefined && kubernetesInRange(kubernetes, range);
  });
  if (runIt.length === 0) return '';
  return `; Talos ${runIt.join(', ')} ${runIt.length === 1 ? 'runs' : 'run'} it: set talos.version to one of them in the same edit, and hk8s upgrades Talos first, then Kubernetes`;
}

/** The range a version spans over the nodes (they differ while an upgrade is under way). */
export interface VersionSpan {
  oldest: string;
  newest: string;
}

/** The versions the cluster's nodes run, as far as hk8s knows (the configs it applied). */
export interface RunningVersions {
  talos?: VersionSpan;
  kubernetes?: VersionSpan;
}

export interface VersionChangeOptions {
  /** `--force`: allow a Talos downgrade. */
  force: boolean;
}

/** A change of versions from what the cluster runs: one Kubernetes minor at a time, Talos forward only. */
export function checkVersionChanges(
  spec: Spec,
  running: RunningVersions,
  options: VersionChangeOptions,
  report: Report,
): void {
  if (running.talos) checkTalosChange(spec.talos.version, running.talos, options, report);
  if (running.kubernetes) checkKubernetesChange(spec.kubernetes.version, running.kubernetes, report);
  if (running.talos && running.kubernetes) {
    checkTalosRunsKubernetes(spec.talos.version, running.talos, running.kubernetes.oldest, report);
  }
}

/**
 * Talos is upgraded before Kubernetes (talos.md §6): while it upgrades, the nodes keep the
 * Kubernetes they run, so the new Talos must support that version, or Kubernetes goes first.
 */
function checkTalosRunsKubernetes(
  wanted: string,
  running: VersionSpan,
  kubernetes: string,
  report: Report,
): void {
  if (wanted === running.oldest && wanted === running.newest) return;
  const range = talosMinorFacts(wanted)?.kubernetes;
  if (!range || !parseVersion(kubernetes) || kubernetesInRange(kubernetes, range)) return;
  report(
    TALOS_VERSION,
    `Talos ${wanted} does not run Kubernetes ${kubernetes}, which the cluster runs (it runs ${describeKubernetesRange(range)}), and hk8s upgrades Talos before Kubernetes; allowed: keep talos.version at ${running.newest} and upgrade Kubernetes into that range first`,
  );
}

function checkTalosChange(
  wanted: string,
  running: VersionSpan,
  options: VersionChangeOptions,
  report: Report,
): void {
  if (!parseVersion(wanted) || !parseVersion(running.newest)) return;
  if (compareVersions(wanted, running.newest) < 0) {
    if (!options.force) {
      report(
        TALOS_VERSION,
        `Talos ${wanted} is older than ${running.newest}, which the cluster runs; hk8s does not downgrade Talos without --force; allowed: ${running.newest} or newer (${newerSupported(running.newest)})`,
      );
    }
    return;
  }
  try {
    talosUpgradePath(running.oldest, wanted);
  } catch (error) {
    if (!(error instanceof Hk8sError)) throw error;
    report(TALOS_VERSION, `${error.message}; ${error.hint ?? ''}`.replace(/; $/, ''));
  }
}

function newerSupported(version: string): string {
  const newer = supportedTalosVersions().filter((v) => compareVersions(v, version) >= 0);
  return newer.length > 0 ? newer.join(', ') : 'none hk8s supports';
}

function checkKubernetesChange(wanted: string, running: VersionSpan, report: Report): void {
  const oldest = parseVersion(running.oldest);
  if (!parseVersion(wanted) || !oldest) return;
  const distance = minorDistance(running.oldest, wanted);
  if (distance < 2) return;
  const next = `v${oldest.major}.${oldest.minor + 1}`;
  report(
    KUBERNETES_VERSION,
    `Kubernetes ${wanted} is ${distance} minors above ${running.oldest}, which the cluster runs; Kubernetes upgrades one minor at a time; allowed: v${oldest.major}.${oldest.minor}.x or ${next}.x`,
  );
}

/**
 * The version rules that need more than the spec: what the cluster runs, read from the machine
 * configs hk8s applied (kept in the event log's secrets, one per node), compared with the spec.
 */
import { basename } from 'node:path';
import { configSecretName } from '../plan/talos/nodes.js';
import type { LoadedSpec } from '../spec/load.js';
import { specRuleError, type SpecSource } from '../spec/validate.js';
import { checkVersionChanges, type RunningVersions, type VersionSpan } from '../spec/version-rules.js';
import { parseYamlSource } from '../spec/yaml-source.js';
import { openState } from '../state/log-store.js';
import type { State } from '../state/reducer.js';
import { compareVersions, parseVersion } from '../talos/versions.js';
import type { Workspace } from './workspace.js';

const HINT =
  'Change one version step at a time (docs/spec.md "Versions"); `--force` allows a Talos downgrade.';

interface AppliedVersions {
  talos?: string;
  kubernetes?: string;
}

/** The Talos version a kept config was rendered for and the Kubernetes version of its kubelet image. */
function appliedVersions(configJson: string): AppliedVersions {
  let config: unknown;
  try {
    config = JSON.parse(configJson);
  } catch {
    return {};
  }
  if (typeof config !== 'object' || config === null) return {};
  const { version, documents } = config as { version?: unknown; documents?: unknown };
  const found: AppliedVersions = {};
  if (typeof version === 'string' && parseVersion(version)) found.talos = version;
  const kubelet = Array.isArray(documents) ? kubeletImage(documents[0]) : undefined;
  const tag = kubelet?.split('@')[0]?.split(':').at(-1);
  if (tag && parseVersion(tag)) found.kubernetes = tag;
  return found;
}

function kubeletImage(document: unknown): string | undefined {
  const machine = (document as { machine?: { kubelet?: { image?: unknown } } } | undefined)?.machine;
  const image = machine?.kubelet?.image;
  return typeof image === 'string' ? image : undefined;
}

function span(versions: readonly string[]): VersionSpan | undefined {
  const sorted = [...versions].sort(compareVersions);
  const oldest = sorted[0];
  const newest = sorted.at(-1);
  return oldest && newest ? { oldest, newest } : undefined;
}

/** What the nodes run as far as the log knows: the versions of the configs hk8s last applied. */
export function runningVersions(state: State): RunningVersions {
  const talos: string[] = [];
  const kubernetes: string[] = [];
  for (const record of Object.values(state.resources)) {
    if (record.type !== 'talos_config') continue;
    const kept = state.secrets[configSecretName(String(record.attrs.server ?? ''))]?.$secret;
    if (!kept) continue;
    const applied = appliedVersions(kept);
    if (applied.talos) talos.push(applied.talos);
    if (applied.kubernetes) kubernetes.push(applied.kubernetes);
  }
  const running: RunningVersions = {};
  const talosSpan = span(talos);
  const kubernetesSpan = span(kubernetes);
  if (talosSpan) running.talos = talosSpan;
  if (kubernetesSpan) running.kubernetes = kubernetesSpan;
  return running;
}

export function specSource(loaded: LoadedSpec): SpecSource {
  if (basename(loaded.path) === 'package.json') return { path: loaded.path, text: loaded.text };
  const yaml = parseYamlSource(loaded.path, loaded.text);
  return { path: loaded.path, text: loaded.text, doc: yaml.doc, lineCounter: yaml.lineCounter };
}

/**
 * Refuses (spec.invalid, located in the spec file) a version change the cluster cannot take:
 * a skipped Kubernetes minor, a Talos downgrade unless `force`.
 */
export function assertVersionChanges(loaded: LoadedSpec, running: RunningVersions, force: boolean): void {
  const problems: Array<{ path: readonly PropertyKey[]; message: string }> = [];
  checkVersionChanges(loaded.spec, running, { force }, (path, message) => problems.push({ path, message }));
  if (problems.length > 0) throw specRuleError(problems, specSource(loaded), HINT);
}

/**
 * `hk8s validate`: the spec against the versions the cluster runs, when a log exists beside it.
 * Read-only, like plan: no lock, nothing written. Returns the log's warnings (a torn last line).
 */
export async function checkWorkspaceVersions(ws: Workspace, force: boolean): Promise<readonly string[]> {
  const opened = await openState(ws.log);
  assertVersionChanges(ws.loaded, runningVersions(opened.state), force);
  return opened.warnings;
}

/**
 * What changes between two configs of a node, for the plan, and whether Talos can apply the change
 * without a reboot. Secrets never appear in a diff: their values show as "(sensitive)".
 *
 * Paths: v1alpha1 fields as `machine.install.image`, `cluster.apiServer.extraArgs`; typed documents as
 * `Kind(name).field` (`LinkConfig(eth1).mtu`) or `Kind.field` for kinds without a name; a whole typed
 * document added or removed as `Kind(name)`. Map keys that are not plain identifiers are quoted:
 * `machine.nodeLabels["node.kubernetes.io/exclude-from-external-load-balancers"]`. Lists compare as
 * one value.
 */
import { isDeepStrictEqual } from 'node:util';
import { isPlainObject } from './objects.js';
import type { ConfigDocument, MachineConfig } from './types.js';
import { documentLabel } from './validate.js';

export interface ConfigChange {
  path: string;
  before?: unknown;
  after?: unknown;
}

export type ApplyMode = 'no-reboot' | 'reboot';

export const SENSITIVE = '(sensitive)';
const SENSITIVE_KEY = /^(?:key|token|secret|password|passphrase|auth|identityToken|apiToken)$|Secret$|Token$/;

/** A copy with every value under a secret-looking key replaced by "(sensitive)". */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, SENSITIVE_KEY.test(key) ? SENSITIVE : redact(item)]),
  );
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

function child(path: string, key: string): string {
  if (!IDENTIFIER.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path === '' ? key : `${path}.${key}`;
}

function compare(path: string, key: string, before: unknown, after: unknown, out: ConfigChange[]): void {
  if (isDeepStrictEqual(before, after)) return;
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const name of keys) compare(child(path, name), name, before[name], after[name], out);
    return;
  }
  const sensitive = SENSITIVE_KEY.test(key);
  const show = (value: unknown) => (sensitive ? SENSITIVE : redact(value));
  out.push({
    path,
    ...(before === undefined ? {} : { before: show(before) }),
    ...(after === undefined ? {} : { after: show(after) }),
  });
}

function keyed(config: MachineConfig): Map<string, ConfigDocument> {
  return new Map(config.documents.map((document) => [documentLabel(document), document]));
}

/** Field-level changes from `before` to `after`, secrets redacted, in a stable order. */
export function configDiff(before: MachineConfig, after: MachineConfig): ConfigChange[] {
  const changes: ConfigChange[] = [];
  const old = keyed(before);
  const next = keyed(after);
  const labels = [...new Set([...old.keys(), ...next.keys()])];
  for (const label of labels) {
    const a = old.get(label);
    const b = next.get(label);
    const strip = (document: ConfigDocument | undefined) => {
      if (!document) return undefined;
      const { apiVersion: _apiVersion, kind: _kind, name: _name, ...fields } = document;
      return fields;
    };
    if (label === 'v1alpha1') {
      compare('', '', a, b, changes);
    } else if (a === undefined || b === undefined) {
      changes.push({
        path: label,
        ...(a === undefined ? {} : { before: redact(strip(a)) }),
        ...(b === undefined ? {} : { after: redact(strip(b)) }),
      });
    } else {
      compare(label, '', strip(a), strip(b), changes);
    }
  }
  return changes;
}

/**
 * Which changes Talos applies live (ApplyConfiguration in AUTO mode answers NO_REBOOT). Talos decides on
 * the v1alpha1 document by ignoring these fields and requiring the rest to be equal (its runtime's
 * CanApplyImmediate); typed documents are reconciled by controllers. Anything not listed here reboots.
 *
 * Deliberate exceptions, on the safe side:
 * - `machine.install.*`: Talos stores it live, but a new installer image only runs after an upgrade,
 *   which reboots the node, so the plan shows it as a reboot.
 * - VolumeConfig: encryption settings act when a volume is created, never on a running node.
 * - RegistryAuthConfig: containerd does not pick up new credentials live.
 * - TrustedRootsConfig and kinds not listed: not known to apply live.
 */
export const NO_REBOOT_PATHS: readonly string[] = [
  'debug',
  'cluster',
  'machine.ca',
  'machine.acceptedCAs',
  'machine.certSANs',
  'machine.network',
  'machine.sysfs',
  'machine.sysctls',
  'machine.logging',
  'machine.controlPlane',
  'machine.kubelet',
  'machine.kernel',
  'machine.registries',
  'machine.pods',
  'machine.seccompProfiles',
  'machine.nodeAnnotations',
  'machine.nodeLabels',
  'machine.nodeTaints',
  'machine.time',
  'machine.features.kubernetesTalosAPIAccess',
  'machine.features.kubePrism',
  'machine.features.hostDNS',
  'machine.features.imageCache',
  'machine.features.nodeAddressSortAlgorithm',
];

/** Typed document kinds whose changes Talos's network, time and CRI controllers apply live. */
export const NO_REBOOT_KINDS: readonly string[] = [
  'HostnameConfig',
  'LinkConfig',
  'DHCPv4Config',
  'DHCPv6Config',
  'ResolverConfig',
  'TimeSyncConfig',
  'StaticHostConfig',
  'RegistryMirrorConfig',
  'RegistryTLSConfig',
  'HCloudVIPConfig',
  'NetworkRuleConfig',
  'NetworkDefaultActionConfig',
];

function under(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
}

/** The mode one changed path needs. */
export function applyModeForPath(path: string): ApplyMode {
  const kind = /^([A-Z][A-Za-z0-9]*)/.exec(path)?.[1];
  if (kind !== undefined) return NO_REBOOT_KINDS.includes(kind) ? 'no-reboot' : 'reboot';
  return NO_REBOOT_PATHS.some((prefix) => under(path, prefix)) ? 'no-reboot' : 'reboot';
}

/** `reboot` if any change needs one; an empty diff needs none. */
export function applyModeFor(diff: readonly ConfigChange[]): ApplyMode {
  return diff.some((change) => applyModeForPath(change.path) === 'reboot') ? 'reboot' : 'no-reboot';
}

/**
 * Fields the spec accepts (they are part of the reference module's surface, so a spec written for
 * it validates) but no planner applies yet. Setting one to anything but its default would be
 * silently ignored, so `validate` refuses it instead, naming what is missing. As features are
 * built, entries leave this table; test/unit/spec/support.test.ts keeps it, the schema and
 * docs/spec.md in step.
 */

/** Plain JSON, as YAML or JSON spec files give it. */
type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface NotYetField {
  /**
   * The field: keys joined by dots, `[]` after a list for each of its items, `*` for each key of
   * a map. Everything under it is covered too.
   */
  path: string;
  /** What is not built, in a few words: shown in the error. */
  reason: string;
  /** The value that is accepted: the schema default, which is what hk8s does. Absent: unset. */
  default?: Json;
  /** Other values that say what hk8s does anyway, and so are accepted too. */
  alsoAccepted?: readonly Json[];
}

const AUTOSCALER = 'the cluster autoscaler is not built';
const BARE_METAL = 'Hetzner Robot dedicated servers are not built';
const UPGRADE_OPTIONS = 'Talos upgrades always run with the default options';
const BACKUPS = 'hk8s does not turn on Hetzner backups';
const KEEP_DISK = 'a server-type change always keeps the disk size today; choosing to grow it is not built';

export const NOT_YET_FIELDS: readonly NotYetField[] = [
  {
    path: 'cluster.healthcheck',
    reason: 'hk8s always waits for Talos and Kubernetes health',
    default: true,
  },
  { path: 'network.existingId', reason: 'hk8s always creates its own network' },
  {
    path: 'network.nativeRoutingIpv4Cidr',
    reason: 'Cilium is always given the network range as its native-routing range',
  },
  { path: 'firewall.existingId', reason: 'hk8s always creates and attaches its own firewall' },
  {
    path: 'firewall.useCurrentIpv6',
    reason: 'hk8s detects your public IPv4 only',
    alsoAccepted: [false],
  },
  {
    path: 'controlPlane.pools[].placementGroup',
    reason: 'control planes always share one spread placement group',
    default: true,
  },
  { path: 'controlPlane.pools[].backups', reason: BACKUPS, default: false },
  { path: 'controlPlane.pools[].keepDisk', reason: KEEP_DISK, default: false },
  { path: 'workers.pools[].backups', reason: BACKUPS, default: false },
  { path: 'workers.pools[].keepDisk', reason: KEEP_DISK, default: false },
  { path: 'autoscaler.enabled', reason: AUTOSCALER, default: false },
  { path: 'autoscaler.pools', reason: AUTOSCALER, default: [] },
  { path: 'autoscaler.configPatches', reason: AUTOSCALER, default: [] },
  { path: 'autoscaler.discovery', reason: AUTOSCALER, default: true },
  { path: 'autoscaler.cleanupOnDestroy', reason: AUTOSCALER, default: false },
  { path: 'autoscaler.imageTag', reason: AUTOSCALER, default: 'v1.34.5' },
  {
    path: 'autoscaler.chart.repository',
    reason: AUTOSCALER,
    default: 'https://kubernetes.github.io/autoscaler',
  },
  { path: 'autoscaler.chart.name', reason: AUTOSCALER, default: 'cluster-autoscaler' },
  { path: 'autoscaler.chart.version', reason: AUTOSCALER, default: '9.53.0' },
  { path: 'bareMetal.pools', reason: BARE_METAL, default: [] },
  { path: 'bareMetal.configPatches', reason: BARE_METAL, default: [] },
  {
    path: 'loadBalancers.ingress.rdns',
    reason: 'reverse DNS is set on servers only, not on load balancers',
  },
  { path: 'loadBalancers.ingress.pools', reason: 'ingress load-balancer pools are not built', default: [] },
  {
    path: 'talos.applyMode',
    reason: 'config changes are always applied as auto: in place, rebooting only when Talos needs it',
    default: 'auto',
  },
  { path: 'talos.stagedAutoReboot', reason: 'staged apply modes are not built', default: true },
  { path: 'talos.upgrade.debug', reason: UPGRADE_OPTIONS, default: false },
  { path: 'talos.upgrade.force', reason: UPGRADE_OPTIONS, default: false },
  { path: 'talos.upgrade.insecure', reason: UPGRADE_OPTIONS, default: false },
  { path: 'talos.upgrade.stage', reason: UPGRADE_OPTIONS, default: false },
  { path: 'talos.upgrade.rebootMode', reason: UPGRADE_OPTIONS },
  { path: 'talos.rebootMode', reason: 'reboots always use the default mode' },
];

type Segment = { key: string } | 'each-item' | 'each-key';

/** `workers.pools[].keepDisk` → key workers, key pools, each item, key keepDisk. */
export function pathSegments(path: string): Segment[] {
  const segments: Segment[] = [];
  for (const part of path.split('.')) {
    const match = /^(.*?)((?:\[\])*)$/.exec(part);
    const key = match?.[1] ?? part;
    if (key === '*') segments.push('each-key');
    else segments.push({ key });
    for (let n = 0; n < (match?.[2]?.length ?? 0) / 2; n++) segments.push('each-item');
  }
  return segments;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every value of `input` at the path's segments, with its concrete path. */
function valuesAt(
  input: unknown,
  segments: readonly Segment[],
  at: PropertyKey[] = [],
): Array<{ path: PropertyKey[]; value: unknown }> {
  const [first, ...rest] = segments;
  if (first === undefined) return [{ path: at, value: input }];
  if (first === 'each-item') {
    return Array.isArray(input) ? input.flatMap((item, index) => valuesAt(item, rest, [...at, index])) : [];
  }
  if (!isObject(input)) return [];
  if (first === 'each-key') {
    return Object.entries(input).flatMap(([key, value]) => valuesAt(value, rest, [...at, key]));
  }
  if (!Object.hasOwn(input, first.key)) return [];
  return valuesAt(input[first.key], rest, [...at, first.key]);
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]))
    );
  }
  if (!isObject(a) || !isObject(b)) return false;
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length &&
    keys.every((key) => Object.hasOwn(b, key) && sameJson(a[key], b[key]))
  );
}

function describeDefault(field: NotYetField): string {
  if (field.default === undefined) return 'remove it';
  return `remove it, or set it to ${JSON.stringify(field.default)}`;
}

export interface NotYetProblem {
  path: PropertyKey[];
  message: string;
}

/**
 * The not-yet fields the spec, as written (before defaults), sets to something else than their
 * default. Reads the raw input, so that the problems are found even when other fields are wrong.
 */
export function notYetProblems(
  input: unknown,
  fields: readonly NotYetField[] = NOT_YET_FIELDS,
): NotYetProblem[] {
  const problems: NotYetProblem[] = [];
  for (const field of fields) {
    for (const { path, value } of valuesAt(input, pathSegments(field.path))) {
      if (value === undefined || sameJson(value, field.default)) continue;
      if (field.alsoAccepted?.some((accepted) => sameJson(value, accepted))) continue;
      problems.push({
        path,
        message: `is not supported yet (${field.reason}); ${describeDefault(field)}`,
      });
    }
  }
  return problems;
}

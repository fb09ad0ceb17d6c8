/**
 * Cloud facts checked at plan time, before anything is created: the server types, locations and
 * network zones the spec's pools need, against the catalogue of
 * the Hetzner project the plan talks to. A wrong one fails like a spec field — located in the
 * spec file, every problem at once, exit 4 — instead of halfway through an apply.
 *
 * Only pools the plan would create a server in (or change a server's type in) are checked, and
 * the catalogue is read only then: a plan with nothing to create costs no extra request, and an
 * existing server of a type Hetzner has since retired is not in the way of a label change.
 */
import type { DesiredResource, ObservedResource } from '../plan/types.js';
import { specRuleError } from '../spec/validate.js';
import type { Spec } from '../spec/schema.js';
import type { LoadedSpec } from '../spec/load.js';
import { specSource } from './version-check.js';

export type TalosArch = 'amd64' | 'arm64';

/** What the plan needs of Hetzner's catalogue, provider-neutral. */
export interface CloudCatalog {
  serverTypes: Array<{
    name: string;
    architecture: TalosArch;
    /** Where it can be ordered; `unavailableAfter` set when Hetzner deprecated it there. */
    locations: Array<{ name: string; unavailableAfter?: string }>;
  }>;
  locations: Array<{ name: string; networkZone: string }>;
  /**
   * The project's Talos snapshots of the spec's version and schematic (absent when no server is to
   * be created): what the plan finds for `image.talos-<arch>`, or builds when missing.
   */
  talosImages?: CatalogImage[];
}

export interface CatalogImage {
  id: number;
  version: string;
  arch: TalosArch;
  /** The schematic label: the id's first 32 hex digits. */
  schematic: string;
  status: 'available' | 'creating' | 'unavailable';
  labels: Record<string, string>;
}

export interface CatalogNeeds {
  /** Also list the Talos images of this identity: a server is to be created. */
  images?: { version: string; schematic: string };
}

interface PoolRef {
  path: readonly PropertyKey[];
  name: string;
  location: string;
  type: string;
  /** A server of the pool is to be created (else only its type changes). */
  creating: boolean;
}

/** The pools whose servers the plan would create or change the type of, with their spec paths. */
export function poolsToCheck(
  spec: Spec,
  desired: readonly DesiredResource[],
  observed: readonly ObservedResource[],
): PoolRef[] {
  const seen = new Map(observed.filter((o) => o.type === 'server').map((o) => [o.address, o]));
  const touched = new Map<string, boolean>();
  for (const d of desired) {
    if (d.type !== 'server') continue;
    const pool = d.address.split('.')[1] ?? '';
    const found = seen.get(d.address);
    if (!found) touched.set(pool, true);
    else if (found.props.server_type !== d.props.server_type) touched.set(pool, touched.get(pool) ?? false);
  }
  const sections = [
    ['controlPlane', spec.controlPlane.pools],
    ['workers', spec.workers.pools],
  ] as const;
  return sections.flatMap(([section, pools]) =>
    pools.flatMap((pool, index) => {
      const creating = touched.get(pool.name);
      if (creating === undefined) return [];
      const path = [section, 'pools', index];
      return [{ path, name: pool.name, location: pool.location, type: pool.type, creating }];
    }),
  );
}

/** The network zone of the cluster's network as it exists: its subnets' (all in one zone). */
export function observedNetworkZone(observed: readonly ObservedResource[]): string | undefined {
  const subnet = observed.find((o) => o.type === 'subnet' && typeof o.props.network_zone === 'string');
  return subnet ? String(subnet.props.network_zone) : undefined;
}

export function catalogNeeds(
  pools: readonly PoolRef[],
  image: { version: string; schematic: string },
): CatalogNeeds | undefined {
  if (pools.length === 0) return undefined;
  return pools.some((p) => p.creating) ? { images: image } : {};
}

export interface FactsInput {
  spec: Spec;
  pools: readonly PoolRef[];
  catalog: CloudCatalog;
  /** The zone of the cluster's network as it exists (its subnets'), when it does. */
  networkZone?: string;
  now: number;
}

type Problem = { path: readonly PropertyKey[]; message: string };

const list = (names: readonly string[]): string => (names.length === 0 ? 'none' : names.join(', '));
const sorted = (names: Iterable<string>): string[] => [...new Set(names)].sort();

function orderable(catalog: CloudCatalog, location: string, now: number): string[] {
  return sorted(
    catalog.serverTypes
      .filter((t) => t.locations.some((l) => l.name === location && available(l, now)))
      .map((t) => t.name),
  );
}

function available(entry: { unavailableAfter?: string }, now: number): boolean {
  return entry.unavailableAfter === undefined || Date.parse(entry.unavailableAfter) > now;
}

/** Every problem of every pool; an empty list when the cloud has what the spec asks for. */
export function checkCloudFacts(input: FactsInput): Problem[] {
  const { catalog, now } = input;
  const problems: Problem[] = [];
  const zones = new Map(catalog.locations.map((l) => [l.name, l.networkZone]));
  const first = input.spec.controlPlane.pools[0]?.location;
  const clusterZone = input.networkZone ?? input.spec.network.zone ?? (first ? zones.get(first) : undefined);
  const zoneSource = input.networkZone
    ? "the cluster's network"
    : input.spec.network.zone
      ? 'network.zone'
      : 'controlPlane.pools[0].location';
  for (const pool of input.pools) {
    const at = (field: string, message: string) => problems.push({ path: [...pool.path, field], message });
    const zone = zones.get(pool.location);
    if (zone === undefined) {
      at('location', `location ${pool.location} does not exist; available: ${list(sorted(zones.keys()))}`);
      continue;
    }
    if (pool.creating && clusterZone !== undefined && zone !== clusterZone) {
      const there = sorted(catalog.locations.filter((l) => l.networkZone === clusterZone).map((l) => l.name));
      at(
        'location',
        `location ${pool.location} is in network zone ${zone}, not in ${clusterZone} of ${zoneSource}; available: ${list(there)}`,
      );
    }
    const type = catalog.serverTypes.find((t) => t.name === pool.type);
    if (!type) {
      const there = orderable(catalog, pool.location, now);
      at('type', `server type ${pool.type} does not exist; available in ${pool.location}: ${list(there)}`);
      continue;
    }
    const here = type.locations.find((l) => l.name === pool.location);
    if (!here || !available(here, now)) {
      const why = here
        ? `was retired in ${pool.location} after ${here.unavailableAfter ?? ''}`
        : `is not offered in ${pool.location}`;
      at(
        'type',
        `server type ${pool.type} ${why}; available in ${pool.location}: ${list(orderable(catalog, pool.location, now))}`,
      );
      continue;
    }
    // A missing Talos image is no problem: the plan builds it (image.talos-<arch>).
  }
  return problems;
}

const HINT = 'Pick what the message lists as available; nothing was created.';

/** Throws spec.invalid (exit 4), every problem located in the spec file. */
export function assertCloudFacts(loaded: LoadedSpec, input: FactsInput): void {
  const problems = checkCloudFacts(input);
  if (problems.length > 0) throw specRuleError(problems, specSource(loaded), HINT);
}

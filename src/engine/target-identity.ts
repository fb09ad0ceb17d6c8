/**
 * Safe targeting: the state records which cloud (endpoint and project) and which cluster name it
 * was made for (`TargetRecorded`). A plan against another cloud, or one that finds many recorded
 * resources gone (another project, a reset sandbox), stops before anything is changed (exit 13),
 * saying what was recorded, what is used now and the flag that says the move is intended.
 * Pure: the session hands in the recorded target, what the provider connects to and what it saw.
 */
import { createHash } from 'node:crypto';
import { Hk8sError } from '../errors.js';
import type { ObservedResource } from '../plan/types.js';
import { isHcloudResourceType } from '../resources/registry.js';
import type { ResourceRecord, TargetRecordedData } from '../state/events.js';

/** What a provider connects to: the endpoint and a fingerprint of the project. */
export interface TargetIdentity {
  endpoint: string;
  project: string;
}

/** More missing recorded resources than this stop a plan even when some are still there. */
export const MISSING_LIMIT = 2;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The project as the state records it: never the token, only a fingerprint of its hash. */
export function tokenProject(token: string): string {
  return `token:${sha256(`hk8s project\n${sha256(token)}`).slice(0, 16)}`;
}

/** A sandbox's world lives in its directory: that is its project. */
export function sandboxProject(sandboxDir: string): string {
  return `sandbox:${sha256(`hk8s sandbox\n${sandboxDir}`).slice(0, 16)}`;
}

/** The API base URL as recorded: no trailing slash, no query. */
export function endpointOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
}

export interface TargetCheck {
  recorded: TargetRecordedData | null;
  current: TargetIdentity;
  /** What the state records (all of it; only cloud resources count). */
  resources: readonly ResourceRecord[];
  /** What observation found now; undefined before observation (the endpoint is checked alone). */
  observed?: readonly ObservedResource[];
  /** Volumes are observed only for `destroy --include-volumes`: otherwise they are not missing. */
  volumesObserved?: boolean;
  acceptEndpoint: boolean;
  acceptMissing: boolean;
  /** Where the errors point: the state directory. */
  where: string;
}

export type TargetVerdict =
  /** Same target (or accepted): `record` says whether to write a TargetRecorded before changing anything. */
  { ok: true; record: boolean; note?: string } | { ok: false; error: Hk8sError };

const moved = (where: string, what: string, recorded: string, current: string): Hk8sError =>
  new Hk8sError(
    'target.moved',
    `the state was made against ${what} ${recorded}, but this run uses ${current}`,
    {
      where,
      hint: 'Check HCLOUD_TOKEN, HCLOUD_ENDPOINT, hcloud.endpoint and --sandbox; if the move is intended, run again with --accept-endpoint (the new target is recorded on the next apply).',
    },
  );

/** Recorded cloud resources (not Talos or Kubernetes records) that observation did not find. */
export function missingResources(check: Pick<TargetCheck, 'resources' | 'observed' | 'volumesObserved'>): {
  cloud: number;
  missing: string[];
} {
  const seen = new Set((check.observed ?? []).map((o) => o.address));
  const cloud = check.resources.filter(
    (r) => isHcloudResourceType(r.type) && (r.type !== 'volume' || check.volumesObserved === true),
  );
  const missing = cloud.filter((r) => !seen.has(r.address)).map((r) => r.address);
  return { cloud: cloud.length, missing: missing.sort() };
}

function missingError(where: string, missing: readonly string[], cloud: number): Hk8sError {
  const shown = missing.slice(0, 3).join(', ') + (missing.length > 3 ? ', …' : '');
  return new Hk8sError(
    'target.missing',
    `${missing.length} of ${cloud} recorded resources are not in the cloud (${shown}): the plan would create them again`,
    {
      where,
      hint: 'This is another project or a reset cloud, or they were deleted by hand: check HCLOUD_TOKEN and --sandbox; to create them again, run again with --accept-missing.',
    },
  );
}

/** Whether observation saw a recorded resource under the same id: proof that this is the same project. */
function confirmedByIds(check: TargetCheck): boolean {
  const ids = new Map(check.resources.map((r) => [r.address, r.id]));
  return (check.observed ?? []).some((o) => isHcloudResourceType(o.type) && ids.get(o.address) === o.id);
}

/**
 * The verdict on running against `current`. Another endpoint stops at once; another project stops
 * unless observation found recorded resources under their recorded ids (a new token of the same
 * project); too many missing resources stop. Each stop has its flag.
 */
export function checkTarget(check: TargetCheck): TargetVerdict {
  const { recorded, current } = check;
  let record = recorded === null;
  let note: string | undefined;
  if (recorded && recorded.endpoint !== current.endpoint) {
    if (!check.acceptEndpoint) {
      return { ok: false, error: moved(check.where, 'endpoint', recorded.endpoint, current.endpoint) };
    }
    record = true;
  } else if (recorded && recorded.project !== current.project) {
    if (check.observed === undefined) return { ok: true, record: false };
    if (confirmedByIds(check)) {
      note =
        'the API token changed; recorded resources were found under their ids, so this is the same project';
      record = true;
    } else if (!check.acceptEndpoint) {
      return { ok: false, error: moved(check.where, 'project', recorded.project, current.project) };
    } else record = true;
  }
  if (check.observed !== undefined && !check.acceptMissing) {
    const { cloud, missing } = missingResources(check);
    if (missing.length > MISSING_LIMIT || (missing.length > 0 && missing.length === cloud)) {
      return { ok: false, error: missingError(check.where, missing, cloud) };
    }
  }
  return { ok: true, record, ...(note === undefined ? {} : { note }) };
}

/** Refuses a spec whose `cluster.name` is not the one its state was made for (exit 4). */
export function renamedError(specPath: string, recorded: string, now: string): Hk8sError {
  return new Hk8sError(
    'spec.renamed',
    `cluster.name is "${now}", but the state beside this spec was made for cluster "${recorded}", and a cluster's name cannot change`,
    {
      where: `${specPath}: cluster.name`,
      hint: `Set it back to "${recorded}"; to rename, destroy "${recorded}" first and create the new one, or keep the new cluster's spec in another directory (its own state).`,
    },
  );
}

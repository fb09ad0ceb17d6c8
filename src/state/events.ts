/**
 * The events of the per-cluster log, state format 1. This is a contract (see `state/README.md`):
 * a line written by one hk8s version must replay in every later one. Change these shapes only
 * together with a new format version and an upgrader.
 *
 * This module is types plus two tiny helpers and imports nothing heavy: it is loaded on every
 * command. The zod schemas that mirror these types live in `event-schema.ts`.
 */

/** The newest state format this hk8s writes and reads. */
export const CURRENT_FORMAT = 1;
export type FormatVersion = typeof CURRENT_FORMAT;

export const EVENT_TYPES = [
  'LogCreated',
  'RunStarted',
  'ActionStarted',
  'ActionSucceeded',
  'ActionFailed',
  'ActionInterrupted',
  'ActionSkipped',
  'RunFinished',
  'ResourceRecorded',
  'ResourceForgotten',
  'SecretStored',
  'SecretForgotten',
  'TargetRecorded',
] as const satisfies readonly (keyof EventDataMap)[];
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * Every secret value anywhere in an event is wrapped like this, so that an encryption-at-rest
 * layer can find and seal all of them by walking the JSON (see `collectSecretPaths`).
 */
export interface SecretValue {
  $secret: string;
}

/** What hk8s knows about one object it manages. `attrs` are whatever the provider returned. */
export interface ResourceRecord {
  address: string;
  type: string;
  id: string;
  attrs: Record<string, unknown>;
}

export type RunCommand = 'apply' | 'resume' | 'destroy';
export type RunOutcome = 'succeeded' | 'failed' | 'interrupted';
export type SkipReason = 'dependency-failed' | 'interrupted';

export interface PlannedAction {
  id: string;
  kind: string;
  address: string;
  dependsOn: string[];
}

export interface ActionError {
  code: string;
  message: string;
  retryable: boolean;
}

/** Always seq 1. */
export interface LogCreatedData {
  cluster: string;
  format: FormatVersion;
  hk8sVersion: string;
}

export interface RunStartedData {
  command: RunCommand;
  planHash: string;
  specHash: string;
  parallelism: number;
  actions: PlannedAction[];
  hk8sVersion: string;
}

/** Written (durably) before the side effect: the write-ahead intent. */
export interface ActionStartedData {
  action: string;
  kind: string;
  address: string;
  request: unknown;
}

export interface ActionSucceededData {
  action: string;
  kind: string;
  address: string;
  /** The resource as it now is; `null`: it is gone (deleted); absent: the action changed none (e.g. a drain). */
  resource?: ResourceRecord | null;
  /** The resource already existed (found by its labels on resume) and was taken over. */
  adopted?: boolean;
  outputs?: unknown;
}

export interface ActionFailedData {
  action: string;
  kind: string;
  address: string;
  error: ActionError;
}

/** Ctrl-C while the action ran: its outcome is unknown. */
export interface ActionInterruptedData {
  action: string;
  kind: string;
  address: string;
}

export interface ActionSkippedData {
  action: string;
  kind: string;
  address: string;
  reason: SkipReason;
  /** The action id whose failure caused the skip. */
  dependency?: string;
}

export interface RunFinishedData {
  outcome: RunOutcome;
  succeeded: number;
  failed: number;
  skipped: number;
}

/** Adoption or refresh outside an action. */
export interface ResourceRecordedData {
  resource: ResourceRecord;
}

export interface ResourceForgottenData {
  address: string;
  reason: string;
}

export interface SecretStoredData {
  name: string;
  value: SecretValue;
}

/** hk8s drops a secret it kept (the cluster it belonged to is gone): replay no longer has it. */
export interface SecretForgottenData {
  name: string;
  reason: string;
}

/**
 * Which cloud the cluster lives in, written before the first run that changes it (and again when
 * the user moves it on purpose, `--accept-endpoint`). A plan against another endpoint or project
 * stops (exit 13); a spec that renames the cluster is refused (exit 4).
 */
export interface TargetRecordedData {
  /** The API base URL without a trailing slash (`https://api.hetzner.cloud/v1`), or `sandbox`. */
  endpoint: string;
  /**
   * The project, without revealing the token: Hetzner's API names no project, so this is a
   * fingerprint of the token's sha256 (`token:` + 16 hex); on the sandbox, of its world's directory.
   */
  project: string;
  /** `cluster.name` of the spec. */
  cluster: string;
  /** The spec file, relative to the directory that holds `.hk8s/`. */
  spec: string;
}

export interface EventDataMap {
  LogCreated: LogCreatedData;
  RunStarted: RunStartedData;
  ActionStarted: ActionStartedData;
  ActionSucceeded: ActionSucceededData;
  ActionFailed: ActionFailedData;
  ActionInterrupted: ActionInterruptedData;
  ActionSkipped: ActionSkippedData;
  RunFinished: RunFinishedData;
  ResourceRecorded: ResourceRecordedData;
  ResourceForgotten: ResourceForgottenData;
  SecretStored: SecretStoredData;
  SecretForgotten: SecretForgottenData;
  TargetRecorded: TargetRecordedData;
}

// Both directions: EVENT_TYPES lists exactly the keys of EventDataMap.
type MissingTypes = Exclude<keyof EventDataMap, EventType>;
const _allTypesListed: MissingTypes extends never ? true : false = true;
void _allTypesListed;

/** One line of the log. */
export interface EventEnvelope<T extends EventType = EventType> {
  v: FormatVersion;
  /** 1, 2, 3… consecutive. */
  seq: number;
  /** ISO 8601, UTC. */
  time: string;
  type: T;
  /** The run that wrote it, or null outside a run. */
  run: string | null;
  /** sha256 (hex) of the previous line's exact bytes without its newline; null for seq 1. */
  prev: string | null;
  data: EventDataMap[T];
}

/** The closed union of all events; narrow it with `switch (event.type)`. */
export type Hk8sEvent = { [T in EventType]: EventEnvelope<T> }[EventType];

/** An event as read back from (or just written to) a log. */
export type StoredEvent = Hk8sEvent & {
  /** sha256 (hex) of this event's line: the `prev` of the next event. Not part of the line. */
  hash: string;
};

/** What a caller hands to `append`: the store adds `v`, `seq`, `time` and `prev`. */
export type NewEvent = {
  [T in EventType]: { type: T; run: string | null; data: EventDataMap[T] };
}[EventType];

/** Types that belong to a run: their envelope `run` must not be null. */
export const RUN_EVENT_TYPES: ReadonlySet<EventType> = new Set<EventType>([
  'RunStarted',
  'ActionStarted',
  'ActionSucceeded',
  'ActionFailed',
  'ActionInterrupted',
  'ActionSkipped',
  'RunFinished',
]);

const KNOWN_TYPES: ReadonlySet<string> = new Set(EVENT_TYPES);

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && KNOWN_TYPES.has(value);
}

/** A secret wrapper: a plain object whose only key is `$secret`, holding a string. */
export function isSecretValue(value: unknown): value is SecretValue {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === '$secret' && typeof (value as SecretValue).$secret === 'string';
}

export type JsonPath = (string | number)[];

/**
 * The path (from the event's root) of every secret wrapper in an event, e.g.
 * `[['data', 'value']]` for SecretStored. An encryption layer seals exactly these.
 */
export function collectSecretPaths(event: Hk8sEvent | NewEvent): JsonPath[] {
  const found: JsonPath[] = [];
  const walk = (value: unknown, path: JsonPath): void => {
    if (typeof value !== 'object' || value === null) return;
    if (isSecretValue(value)) {
      found.push(path);
      return;
    }
    if (Array.isArray(value)) {
      value.forEach((item, index) => walk(item, [...path, index]));
      return;
    }
    for (const [key, item] of Object.entries(value)) walk(item, [...path, key]);
  };
  walk(event.data, ['data']);
  return found;
}

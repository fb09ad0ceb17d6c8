/**
 * zod schemas of the state format 1 events: the source of the JSON Schemas in `state/schemas/v1/`
 * and of full validation in `hk8s state verify`. Replay does NOT use them (too slow for large
 * logs): the store checks the envelope by hand, see `log-format.ts`.
 */
import { z } from 'zod';
import {
  CURRENT_FORMAT,
  EVENT_TYPES,
  type EventDataMap,
  type EventType,
  type ResourceRecord,
  type SecretValue,
} from './events.js';

const nonEmpty = z.string().min(1);
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);

export const SecretValueSchema = z
  .strictObject({ $secret: z.string() })
  .meta({ description: 'A secret value. Every secret in any event is wrapped like this.' });

export const ResourceRecordSchema = z
  .strictObject({
    address: nonEmpty.meta({ description: 'Stable hk8s address, e.g. server.workers-fsn.3' }),
    type: nonEmpty.meta({ description: 'Resource type, e.g. hcloud.server' }),
    id: z.string().meta({ description: "The provider's id" }),
    attrs: z.record(z.string(), z.unknown()),
  })
  .meta({ description: 'What hk8s knows about one object it manages' });

const actionRef = {
  action: nonEmpty.meta({ description: 'Action id, as listed in RunStarted' }),
  kind: nonEmpty,
  address: nonEmpty,
};

const actionError = z.strictObject({ code: z.string(), message: z.string(), retryable: z.boolean() });

/** One schema per event type, for `data`. Keys are exactly EVENT_TYPES. */
export const EventDataSchemas = {
  LogCreated: z.strictObject({
    cluster: nonEmpty,
    format: z.literal(CURRENT_FORMAT),
    hk8sVersion: z.string(),
  }),
  RunStarted: z.strictObject({
    command: z.enum(['apply', 'resume', 'destroy']),
    planHash: z.string(),
    specHash: z.string(),
    parallelism: z.int().min(1),
    actions: z.array(
      z.strictObject({ id: nonEmpty, kind: nonEmpty, address: nonEmpty, dependsOn: z.array(nonEmpty) }),
    ),
    hk8sVersion: z.string(),
  }),
  ActionStarted: z.strictObject({
    ...actionRef,
    // JSON has no undefined: a missing request would vanish from the line. null means "none".
    request: z.unknown().refine((value) => value !== undefined, 'request is required (null for none)'),
  }),
  ActionSucceeded: z.strictObject({
    ...actionRef,
    resource: ResourceRecordSchema.nullable().optional(),
    adopted: z.boolean().optional(),
    outputs: z.unknown().optional(),
  }),
  ActionFailed: z.strictObject({ ...actionRef, error: actionError }),
  ActionInterrupted: z.strictObject({ ...actionRef }),
  ActionSkipped: z.strictObject({
    ...actionRef,
    reason: z.enum(['dependency-failed', 'interrupted']),
    dependency: nonEmpty.optional(),
  }),
  RunFinished: z.strictObject({
    outcome: z.enum(['succeeded', 'failed', 'interrupted']),
    succeeded: z.int().min(0),
    failed: z.int().min(0),
    skipped: z.int().min(0),
  }),
  ResourceRecorded: z.strictObject({ resource: ResourceRecordSchema }),
  ResourceForgotten: z.strictObject({ address: nonEmpty, reason: z.string() }),
  SecretStored: z.strictObject({ name: nonEmpty, value: SecretValueSchema }),
  SecretForgotten: z.strictObject({ name: nonEmpty, reason: z.string() }),
  TargetRecorded: z.strictObject({
    endpoint: nonEmpty.meta({ description: 'API base URL without a trailing slash, or "sandbox"' }),
    project: nonEmpty.meta({ description: 'Fingerprint of the project (never the token)' }),
    cluster: nonEmpty,
    spec: nonEmpty.meta({ description: 'The spec file, relative to the directory holding .hk8s/' }),
  }),
} as const satisfies { [T in EventType]: z.ZodType };

const DESCRIPTIONS: { [T in EventType]: string } = {
  LogCreated: 'The first event of every log (seq 1): which cluster, which format.',
  RunStarted: 'An apply, resume or destroy run begins; lists every planned action.',
  ActionStarted: 'Written durably before the side effect (write-ahead intent), with the exact request.',
  ActionSucceeded: 'The side effect happened; the resource as it now is (null: it is gone).',
  ActionFailed: 'The action failed; the error says whether retrying may help.',
  ActionInterrupted: 'The run was interrupted while the action ran; its outcome is unknown.',
  ActionSkipped: 'The action never started: a dependency failed or the run was interrupted.',
  RunFinished: 'The run ended, with its outcome and counts.',
  ResourceRecorded: 'A resource recorded outside an action (adoption, refresh, import).',
  ResourceForgotten: 'hk8s stops tracking a resource (it is not deleted).',
  SecretStored: 'A named secret (wrapped) that hk8s keeps, e.g. the Talos secrets bundle.',
  SecretForgotten: 'hk8s drops a secret it kept (e.g. the Talos secrets of a destroyed cluster).',
  TargetRecorded: 'Which endpoint, project and cluster name the state belongs to; a plan elsewhere stops.',
};

const envelopeFields = {
  v: z.literal(CURRENT_FORMAT).meta({ description: 'State format version of this line' }),
  seq: z.int().min(1).meta({ description: '1, 2, 3… consecutive' }),
  time: z.iso.datetime().meta({ description: 'When it was written, UTC' }),
  run: nonEmpty.nullable().meta({ description: 'The run that wrote it, or null outside a run' }),
  prev: sha256Hex.nullable().meta({
    description: "sha256 (hex) of the previous line's exact bytes without its newline; null for seq 1",
  }),
};

/** The generic envelope: any known type, `data` an object. */
export const EnvelopeSchema = z
  .strictObject({
    ...envelopeFields,
    type: z.enum(EVENT_TYPES),
    data: z.record(z.string(), z.unknown()),
  })
  .meta({ title: 'hk8s state event envelope, format 1', description: 'One line of events.jsonl' });

function eventSchema<T extends EventType>(type: T) {
  return z
    .strictObject({ ...envelopeFields, type: z.literal(type), data: EventDataSchemas[type] })
    .meta({ title: `hk8s state event ${type}, format 1`, description: DESCRIPTIONS[type] });
}

/** The full schema of each event type: envelope plus typed `data`. */
export const EventSchemas = Object.fromEntries(EVENT_TYPES.map((type) => [type, eventSchema(type)])) as {
  [T in EventType]: ReturnType<typeof eventSchema<T>>;
};

/** JSON Schemas of format 1, keyed by file name (`envelope.schema.json`, `<Type>.schema.json`). */
export function contractSchemas(): Record<string, unknown> {
  const files: Record<string, unknown> = {
    'envelope.schema.json': z.toJSONSchema(EnvelopeSchema, { io: 'input' }),
  };
  for (const type of EVENT_TYPES) {
    files[`${type}.schema.json`] = z.toJSONSchema(EventSchemas[type], { io: 'input' });
  }
  return files;
}

// The hand-written types in events.ts and these schemas must agree. A mismatch fails typecheck.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type DataMatches = { [T in EventType]: Same<z.output<(typeof EventDataSchemas)[T]>, EventDataMap[T]> };
const _dataMatches: DataMatches[EventType] = true;
const _resourceMatches: Same<z.output<typeof ResourceRecordSchema>, ResourceRecord> = true;
const _secretMatches: Same<z.output<typeof SecretValueSchema>, SecretValue> = true;
void [_dataMatches, _resourceMatches, _secretMatches];

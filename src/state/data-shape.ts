/**
 * The shape of each event's `data`, checked on every read by hand: the zod schemas in
 * `event-schema.ts` say the same but are too slow for a 100k-event replay. A test feeds both the
 * same damaged data and requires them to agree. Without this check a wrong shape reached the
 * reducer and crashed every command with a TypeError.
 */
import type { EventType } from './events.js';

type Check = (value: unknown, path: string) => string | undefined;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const text: Check = (value, path) => (typeof value === 'string' ? undefined : `${path} must be a string`);
const nonEmpty: Check = (value, path) =>
  typeof value === 'string' && value.length > 0 ? undefined : `${path} must be a non-empty string`;
const bool: Check = (value, path) =>
  typeof value === 'boolean' ? undefined : `${path} must be true or false`;
const anything: Check = () => undefined;
const count =
  (min: number): Check =>
  (value, path) =>
    Number.isSafeInteger(value) && (value as number) >= min
      ? undefined
      : `${path} must be a whole number ≥ ${min}`;
const oneOf =
  (...allowed: readonly unknown[]): Check =>
  (value, path) =>
    allowed.includes(value)
      ? undefined
      : `${path} must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`;
const arrayOf =
  (item: Check): Check =>
  (value, path) => {
    if (!Array.isArray(value)) return `${path} must be a list`;
    for (let i = 0; i < value.length; i++) {
      const problem = item(value[i], `${path}[${i}]`);
      if (problem) return problem;
    }
    return undefined;
  };
const record: Check = (value, path) => (isObject(value) ? undefined : `${path} must be an object`);

interface Field {
  check: Check;
  optional?: boolean;
}
const optional = (check: Check): Field => ({ check, optional: true });

/** A closed object: exactly these keys (optional ones may be missing), each of its shape. */
function object(fields: Record<string, Check | Field>): Check {
  const entries = Object.entries(fields).map(
    ([key, field]) => [key, typeof field === 'function' ? { check: field } : field] as const,
  );
  const known = new Set(Object.keys(fields));
  return (value, path) => {
    if (!isObject(value)) return `${path} must be an object`;
    for (const key of Object.keys(value)) {
      if (!known.has(key)) return `${path} has an unknown field ${JSON.stringify(key.slice(0, 60))}`;
    }
    for (const [key, field] of entries) {
      // JSON has no undefined: undefined means the key is missing.
      const inner = value[key];
      if (inner === undefined) {
        if (field.optional) continue;
        return `${path}.${key} is required`;
      }
      const problem = field.check(inner, `${path}.${key}`);
      if (problem) return problem;
    }
    return undefined;
  };
}

const nullable =
  (check: Check): Check =>
  (value, path) =>
    value === null ? undefined : check(value, path);

const secretValue = object({ $secret: text });
const resourceRecord = object({ address: nonEmpty, type: nonEmpty, id: text, attrs: record });
const actionRef = { action: nonEmpty, kind: nonEmpty, address: nonEmpty };

const DATA: { [T in EventType]: Check } = {
  LogCreated: object({ cluster: nonEmpty, format: oneOf(1), hk8sVersion: text }),
  RunStarted: object({
    command: oneOf('apply', 'resume', 'destroy'),
    planHash: text,
    specHash: text,
    parallelism: count(1),
    actions: arrayOf(
      object({ id: nonEmpty, kind: nonEmpty, address: nonEmpty, dependsOn: arrayOf(nonEmpty) }),
    ),
    hk8sVersion: text,
  }),
  ActionStarted: object({ ...actionRef, request: anything }),
  ActionSucceeded: object({
    ...actionRef,
    resource: optional(nullable(resourceRecord)),
    adopted: optional(bool),
    outputs: optional(anything),
  }),
  ActionFailed: object({ ...actionRef, error: object({ code: text, message: text, retryable: bool }) }),
  ActionInterrupted: object(actionRef),
  ActionSkipped: object({
    ...actionRef,
    reason: oneOf('dependency-failed', 'interrupted'),
    dependency: optional(nonEmpty),
  }),
  RunFinished: object({
    outcome: oneOf('succeeded', 'failed', 'interrupted'),
    succeeded: count(0),
    failed: count(0),
    skipped: count(0),
  }),
  ResourceRecorded: object({ resource: resourceRecord }),
  ResourceForgotten: object({ address: nonEmpty, reason: text }),
  SecretStored: object({ name: nonEmpty, value: secretValue }),
  SecretForgotten: object({ name: nonEmpty, reason: text }),
  TargetRecorded: object({ endpoint: nonEmpty, project: nonEmpty, cluster: nonEmpty, spec: nonEmpty }),
};

/** The first thing wrong with `data` for an event of `type`, as `data.field …`, or undefined. */
export function dataProblem(type: EventType, data: unknown): string | undefined {
  return DATA[type](data, 'data');
}

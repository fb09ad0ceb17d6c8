import { isSecretValue } from './events.js';

/** A copy with every `{ $secret }` value replaced, for showing events and records to people. */
export function redactSecrets<T>(value: T): T {
  if (isSecretValue(value)) return { $secret: '(hidden)' } as T;
  if (Array.isArray(value)) return value.map(redactSecrets) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSecrets(v)])) as T;
  }
  return value;
}

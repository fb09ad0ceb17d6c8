/** Plain-language messages for zod's built-in issues: what is wrong and what is allowed. */
import type { z } from 'zod';

type RawIssue = Parameters<z.core.$ZodErrorMap>[0];

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value}`;
}

const EXPECTED: Record<string, string> = {
  object: 'a mapping (key: value)',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
};

function sizeWord(origin: string | undefined, amount: number | bigint): string {
  if (origin === 'array') return `${amount} item${amount === 1 ? '' : 's'}`;
  if (origin === 'string') return `${amount} character${amount === 1 ? '' : 's'}`;
  return String(amount);
}

/** Used as the per-parse error map: schema-level messages still win. */
export function describeIssue(issue: RawIssue): string | undefined {
  // eslint-disable-next-line @typescript-eslint/switch-exhaustiveness-check -- zod's issue codes are zod's; the default keeps zod's own message
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `must be ${EXPECTED[issue.expected] ?? issue.expected}, not ${typeName(issue.input)}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${String(issue.values[0])}`
        : `must be one of ${issue.values.map((value) => (value === '' ? '""' : String(value))).join(', ')}`;
    case 'too_small':
      return issue.origin === 'array' || issue.origin === 'string'
        ? `must have at least ${sizeWord(issue.origin, issue.minimum)}`
        : `must be at least ${issue.minimum}`;
    case 'too_big':
      return issue.origin === 'array' || issue.origin === 'string'
        ? `must have at most ${sizeWord(issue.origin, issue.maximum)}`
        : `must be at most ${issue.maximum}`;
    case 'invalid_format':
      return issue.format === 'url' ? 'must be a URL' : `must be a valid ${issue.format}`;
    case 'unrecognized_keys':
      return `unknown field ${issue.keys.join(', ')}`;
    case 'invalid_key':
      return 'has an invalid key';
    case 'invalid_union':
      return 'does not match any allowed form';
    default:
      return undefined;
  }
}

/** The spec as a JSON Schema (input side: defaults optional), for editors and `hk8s init`. */
import { z } from 'zod';
import { SpecSchema } from './schema.js';

export const SPEC_SCHEMA_ID = 'https://hk8s.io/schema/hk8s.schema.json';

export function specJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(SpecSchema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' });
  return { ...schema, $id: SPEC_SCHEMA_ID };
}

/** The committed `schema/hk8s.schema.json` text. */
export function specJsonSchemaText(): string {
  return `${JSON.stringify(specJsonSchema(), null, 2)}\n`;
}

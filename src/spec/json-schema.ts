/** The spec as a JSON Schema (input side: defaults optional), for editors and `hk8s init`. */
import { z } from 'zod';
import { specSchemaFor } from './schema.js';
import type { AddonSettingsSchemas } from './sections/addons.js';

export const SPEC_SCHEMA_ID = 'https://hk8s.io/schema/hk8s.schema.json';

export function specJsonSchema(addons?: AddonSettingsSchemas): Record<string, unknown> {
  const schema = z.toJSONSchema(specSchemaFor(addons), {
    io: 'input',
    target: 'draft-2020-12',
    unrepresentable: 'any',
  });
  return { ...schema, $id: SPEC_SCHEMA_ID };
}

/** The committed `schema/hk8s.schema.json` text. */
export function specJsonSchemaText(addons?: AddonSettingsSchemas): string {
  return `${JSON.stringify(specJsonSchema(addons), null, 2)}\n`;
}

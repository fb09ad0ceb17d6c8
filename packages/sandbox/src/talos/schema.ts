/**
 * Validation of machine-config documents against the official Talos JSON Schema of the node's
 * minor version (vendor/talos/). Each document is checked against the definition its `kind` picks,
 * so the errors name one definition, not every branch of the root `oneOf`.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TALOS_SCHEMAS_URL } from '../specs.js';

type AddFormats = (ajv: Ajv2020) => Ajv2020;
const addFormats: AddFormats =
  (addFormatsModule as unknown as { default?: AddFormats }).default ??
  (addFormatsModule as unknown as AddFormats);

const VENDOR = TALOS_SCHEMAS_URL;
/** Schemas we ship, by minor. Other minors use the nearest one. */
const SCHEMA_MINORS = [12, 13] as const;

interface SchemaProperty {
  enum?: string[];
  type?: string;
  items?: unknown;
}

interface SchemaFile {
  $id: string;
  $defs: Record<string, { properties?: Record<string, SchemaProperty | undefined> }>;
}

/**
 * The 1.12 schema puts the allowed values of `EncryptionSpec.options` on the list itself, so no
 * list passes, while Talos 1.12 parses a list of those values (1.13's schema says so). The node
 * checks what Talos checks: a list whose items are the allowed values.
 */
function repairSchema(file: SchemaFile): SchemaFile {
  const options = file.$defs['block.EncryptionSpec']?.properties?.['options'];
  if (options?.enum && options.type === undefined) {
    options.items = { type: 'string', enum: options.enum };
    options.type = 'array';
    delete options.enum;
  }
  return file;
}

class VersionSchema {
  private readonly ajv: Ajv2020;
  private readonly byKind = new Map<string, string>();
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly id: string;

  constructor(file: SchemaFile) {
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema(file as object);
    this.id = file.$id;
    for (const [name, def] of Object.entries(file.$defs)) {
      const kind = def.properties?.kind?.enum;
      if (kind?.length === 1 && kind[0]) this.byKind.set(kind[0], name);
    }
  }

  /** Errors as "path: message" lines; empty when valid. */
  validate(doc: Record<string, unknown>): string[] {
    const kind = typeof doc['kind'] === 'string' ? doc['kind'] : undefined;
    const defName = kind === undefined ? 'v1alpha1.Config' : this.byKind.get(kind);
    if (!defName) return [`unknown document kind "${kind}"`];
    let validator = this.compiled.get(defName);
    if (!validator) {
      validator = this.ajv.compile({ $ref: `${this.id}#/$defs/${defName}` });
      this.compiled.set(defName, validator);
    }
    if (validator(doc)) return [];
    return (validator.errors ?? []).map(describe);
  }
}

function describe(error: ErrorObject): string {
  const path = error.instancePath === '' ? '(root)' : error.instancePath.slice(1).replace(/\//g, '.');
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties')
    return `${path}: unknown field "${String(params['additionalProperty'])}"`;
  if (error.keyword === 'enum') {
    return `${path}: ${error.message ?? 'invalid'}: ${JSON.stringify(params['allowedValues'])}`;
  }
  return `${path}: ${error.message ?? 'invalid'}`;
}

const schemas = new Map<number, VersionSchema>();

/** The schema used for Talos `v1.<minor>.x`. */
export function schemaFor(minor: number): VersionSchema {
  const chosen = SCHEMA_MINORS.reduce((best, m) => (Math.abs(m - minor) < Math.abs(best - minor) ? m : best));
  let schema = schemas.get(chosen);
  if (!schema) {
    const path = fileURLToPath(new URL(`talos-config.schema.v1.${chosen}.json`, VENDOR));
    schema = new VersionSchema(repairSchema(JSON.parse(readFileSync(path, 'utf8')) as SchemaFile));
    schemas.set(chosen, schema);
  }
  return schema;
}

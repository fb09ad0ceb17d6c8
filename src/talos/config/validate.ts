/**
 * Checks a machine config against the official JSON Schema of its Talos minor, one document at a time
 * against the definition of its kind (talos.md §5.4, talos-1.13.md §3.2). The schema is draft 2020-12
 * and uses non-standard annotation keywords, hence Ajv 2020 in non-strict mode with ajv-formats.
 * The schema checks shape and patterns only; Talos validates semantics when it applies a config.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { isHk8sError } from '../../errors.js';
import { isPlainObject, plainCopy, type PlainObject } from './objects.js';
import type { ConfigDocument, MachineConfig } from './types.js';
import { talosVersionSupport, type TalosVersionSupport } from './versions.js';

// ajv-formats is CommonJS; under NodeNext its default export may arrive wrapped.
type AddFormats = (ajv: Ajv2020) => Ajv2020;
// Boundary: ajv-formats is CommonJS; its default export arrives either wrapped or bare.
const addFormats: AddFormats =
  (addFormatsModule as unknown as { default?: AddFormats }).default ??
  (addFormatsModule as unknown as AddFormats);

const MAIN_DEFINITION = 'v1alpha1.Config';
const SCHEMA_KEY = 'talos-config';

export interface MachineConfigValidation {
  ok: boolean;
  errors: string[];
}

interface LoadedSchema {
  ajv: Ajv2020;
  /** kind → `$defs` name, from the root `oneOf`. */
  definitions: Map<string, string>;
  validators: Map<string, ValidateFunction>;
  /** The allowed LUKS options, where the schema lists them on `encryption.options`. */
  encryptionOptions: string[];
}

const schemas = new Map<string, LoadedSchema>();

function loadSchema(support: TalosVersionSupport): LoadedSchema {
  const cached = schemas.get(support.minor);
  if (cached) return cached;
  const url = new URL(`../../../vendor/talos/${support.schemaFile}`, import.meta.url);
  const schema = JSON.parse(readFileSync(url, 'utf8')) as {
    $defs: Record<string, { properties?: { kind?: { enum?: unknown[] }; options?: { enum?: unknown[] } } }>;
    oneOf: Array<{ $ref: string }>;
  };
  const definitions = new Map<string, string>();
  for (const { $ref } of schema.oneOf) {
    const name = $ref.replace('#/$defs/', '');
    const kind = schema.$defs[name]?.properties?.kind?.enum?.[0];
    if (typeof kind === 'string') definitions.set(kind, name);
  }
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  // Without $id and the root oneOf, each definition can be compiled on its own.
  ajv.addSchema({ $defs: schema.$defs }, SCHEMA_KEY);
  const options = schema.$defs['block.EncryptionSpec']?.properties?.options?.enum ?? [];
  const encryptionOptions = options.filter((option): option is string => typeof option === 'string');
  const loaded: LoadedSchema = { ajv, definitions, validators: new Map(), encryptionOptions };
  schemas.set(support.minor, loaded);
  return loaded;
}

function validatorFor(schema: LoadedSchema, definition: string): ValidateFunction {
  let validate = schema.validators.get(definition);
  if (!validate) {
    validate = schema.ajv.compile({ $ref: `${SCHEMA_KEY}#/$defs/${definition}` });
    schema.validators.set(definition, validate);
  }
  return validate;
}

export function documentLabel(document: ConfigDocument): string {
  if (document.kind === undefined) return 'v1alpha1';
  return typeof document.name === 'string'
    ? `${String(document.kind)}(${document.name})`
    : String(document.kind);
}

function validLoggingEndpoint(endpoint: unknown): boolean {
  if (typeof endpoint !== 'string') return false;
  try {
    const url = new URL(endpoint);
    return (url.protocol === 'tcp:' || url.protocol === 'udp:') && url.port !== '' && url.pathname === '';
  } catch {
    return false;
  }
}

/** Talos parses `clientIdentity.cert`; the schema calls it `crt`. */
function renameClientCert(copy: PlainObject): void {
  const identity = copy.clientIdentity;
  if (copy.kind !== 'RegistryTLSConfig' || !isPlainObject(identity) || !('cert' in identity)) return;
  identity.crt = identity.cert;
  delete identity.cert;
}

/** Checks logging endpoints as URLs, then hides them from the schema, which wants an object. */
function checkLoggingEndpoints(copy: PlainObject, errors: string[]): void {
  const machine = copy.machine;
  const logging = isPlainObject(machine) ? machine.logging : undefined;
  const destinations = isPlainObject(logging) ? logging.destinations : undefined;
  if (!Array.isArray(destinations)) return;
  destinations.forEach((destination: unknown, index) => {
    if (!isPlainObject(destination) || destination.endpoint === undefined) return;
    if (!validLoggingEndpoint(destination.endpoint)) {
      errors.push(
        `/machine/logging/destinations/${index}/endpoint: must be a tcp:// or udp:// URL with a port`,
      );
    }
    destination.endpoint = {};
  });
}

/** Checks each encryption option against the schema's list, then hides the list from the schema. */
function checkEncryptionOptions(copy: PlainObject, allowed: readonly string[], errors: string[]): void {
  const encryption = copy.encryption;
  if (!isPlainObject(encryption) || !Array.isArray(encryption.options)) return;
  encryption.options.forEach((option: unknown, index) => {
    if (typeof option !== 'string' || !allowed.includes(option)) {
      errors.push(`/encryption/options/${index}: must be one of ${allowed.join(', ')}`);
    }
  });
  delete encryption.options;
}

/**
 * A copy in the schema's shape: without `persist` (absent from the schema), and with the version's
 * schema quirks undone after checking the affected values by hand.
 */
function schemaShape(
  document: ConfigDocument,
  support: TalosVersionSupport,
  schema: LoadedSchema,
): { copy: PlainObject; errors: string[] } {
  const copy = plainCopy(document);
  const errors: string[] = [];
  delete copy.persist;
  const quirks = support.schemaQuirks;
  if (quirks.registryTlsClientCertKey === 'crt') renameClientCert(copy);
  if (quirks.loggingEndpointIsObject) checkLoggingEndpoints(copy, errors);
  if (quirks.encryptionOptionsEnumOnList) checkEncryptionOptions(copy, schema.encryptionOptions, errors);
  return { copy, errors };
}

function formatError(error: ErrorObject): string {
  const extra = (error.params as { additionalProperty?: string }).additionalProperty;
  const detail = extra === undefined ? '' : ` (${extra})`;
  return `${error.instancePath || '/'}: ${error.message ?? 'is invalid'}${detail}`;
}

function documentIdentity(document: ConfigDocument): string {
  return `${String(document.kind ?? 'v1alpha1')}/${String(document.name ?? '')}`;
}

/** Validates every document against its kind's definition in the official schema of `config.version`. */
export function validateMachineConfig(config: MachineConfig): MachineConfigValidation {
  let support: TalosVersionSupport;
  try {
    support = talosVersionSupport(config.version);
  } catch (error) {
    if (isHk8sError(error)) return { ok: false, errors: [error.oneLine()] };
    throw error;
  }
  const schema = loadSchema(support);
  const errors: string[] = [];
  const seen = new Set<string>();
  let mains = 0;
  config.documents.forEach((document, index) => {
    const label = `document ${index + 1} (${documentLabel(document)})`;
    const identity = documentIdentity(document);
    if (seen.has(identity)) errors.push(`${label}: appears twice; Talos rejects repeated documents`);
    seen.add(identity);
    const definition =
      document.kind === undefined ? MAIN_DEFINITION : schema.definitions.get(String(document.kind));
    if (definition === undefined) {
      errors.push(`${label}: Talos ${support.minor} has no document kind ${String(document.kind)}`);
      return;
    }
    if (definition === MAIN_DEFINITION) mains++;
    const { copy, errors: shapeErrors } = schemaShape(document, support, schema);
    errors.push(...shapeErrors.map((message) => `${label} ${message}`));
    const validate = validatorFor(schema, definition);
    if (!validate(copy))
      errors.push(...(validate.errors ?? []).map((error) => `${label} ${formatError(error)}`));
  });
  if (mains !== 1) errors.push(`the config needs exactly one v1alpha1 document; it has ${mains}`);
  return { ok: errors.length === 0, errors };
}

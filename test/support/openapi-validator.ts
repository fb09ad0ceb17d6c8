/**
 * Validates requests and responses against the vendored Hetzner Cloud OpenAPI file, independently of
 * the sandbox's own code: tests wrap every call in it so the simulator cannot drift from the spec.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

const SPEC_FILE = fileURLToPath(new URL('../../vendor/hcloud/hcloud-openapi.json', import.meta.url));

interface Param {
  name: string;
  in: string;
  required?: boolean;
  schema?: { type?: string; items?: { type?: string } };
}

interface Op {
  operationId: string;
  method: string;
  template: string;
  regex: RegExp;
  statics: number;
  pointer: string;
  params: Param[];
  bodyRequired: boolean;
  hasBody: boolean;
  responses: Record<string, { content?: Record<string, unknown> }>;
}

export interface RequestToCheck {
  method: string;
  /** Path below the API base, e.g. `/servers/42` (a query string here is ignored; pass `query`). */
  path: string;
  query?: URLSearchParams;
  body?: unknown;
}

export interface ResponseToCheck {
  method: string;
  path: string;
  status: number;
  body?: unknown;
}

type AddFormats = (ajv: Ajv) => Ajv;
const addFormats: AddFormats =
  (addFormatsModule as unknown as { default?: AddFormats }).default ??
  (addFormatsModule as unknown as AddFormats);

class SpecValidator {
  private readonly ops: Op[] = [];
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly cache = new Map<string, ValidateFunction>();

  constructor() {
    const spec = JSON.parse(readFileSync(SPEC_FILE, 'utf8')) as {
      paths: Record<string, Record<string, unknown>>;
    };
    addFormats(this.ajv);
    this.ajv.addFormat('decimal', /^-?\d+(\.\d+)?$/);
    this.ajv.addSchema(spec, 'spec');
    for (const [template, item] of Object.entries(spec.paths)) {
      for (const method of ['get', 'post', 'put', 'delete', 'patch']) {
        const op = item[method] as
          | {
              operationId: string;
              parameters?: Param[];
              requestBody?: { required?: boolean };
              responses: Op['responses'];
            }
          | undefined;
        if (!op) continue;
        const segments = template.split('/').filter(Boolean);
        const params = segments.filter((s) => s.startsWith('{')).length;
        this.ops.push({
          operationId: op.operationId,
          method: method.toUpperCase(),
          template,
          regex: new RegExp(`^/${segments.map((s) => (s.startsWith('{') ? '[^/]+' : s)).join('/')}$`),
          statics: segments.length - params,
          pointer: `spec#/paths/${template.replace(/~/g, '~0').replace(/\//g, '~1')}/${method}`,
          params: op.parameters ?? [],
          bodyRequired: op.requestBody?.required === true,
          hasBody: op.requestBody !== undefined,
          responses: op.responses,
        });
      }
    }
    this.ops.sort((a, b) => b.statics - a.statics);
  }

  find(method: string, path: string): Op | undefined {
    const bare = path.split('?')[0] ?? path;
    return this.ops.find((op) => op.method === method.toUpperCase() && op.regex.test(bare));
  }

  private compiled(key: string, schema: object): ValidateFunction {
    let fn = this.cache.get(key);
    if (!fn) {
      fn = this.ajv.compile(schema);
      this.cache.set(key, fn);
    }
    return fn;
  }

  request(input: RequestToCheck): string[] {
    const op = this.find(input.method, input.path);
    if (!op) return [`no operation for ${input.method} ${input.path}`];
    const errors: string[] = [];
    const query = input.query ?? new URLSearchParams();
    op.params.forEach((param, index) => {
      if (param.in !== 'query') return;
      const raw = query.getAll(param.name);
      if (raw.length === 0) {
        if (param.required) errors.push(`query ${param.name}: required`);
        return;
      }
      const isArray = param.schema?.type === 'array';
      const itemType = isArray ? param.schema?.items?.type : param.schema?.type;
      const values = raw.map((v) => (itemType === 'integer' && /^-?\d+$/.test(v) ? Number(v) : v));
      const value = isArray ? values : values[values.length - 1];
      const fn = this.compiled(`${op.pointer}/q/${index}`, {
        $ref: `${op.pointer}/parameters/${index}/schema`,
      });
      if (!fn(value)) errors.push(...describe(`query ${param.name}`, fn.errors));
    });
    if (input.body === undefined) {
      if (op.bodyRequired) errors.push('body: required');
    } else if (!op.hasBody) {
      errors.push('body: this operation takes no body');
    } else {
      const fn = this.compiled(`${op.pointer}/body`, {
        $ref: `${op.pointer}/requestBody/content/application~1json/schema`,
      });
      if (!fn(input.body)) errors.push(...describe('body', fn.errors));
    }
    return errors;
  }

  response(input: ResponseToCheck): string[] {
    const op = this.find(input.method, input.path);
    if (!op) return [`no operation for ${input.method} ${input.path}`];
    const exact = String(input.status);
    const range = `${exact[0]}XX`;
    const key = op.responses[exact] ? exact : op.responses[range] ? range : undefined;
    if (!key) return [`status ${input.status} is not documented for ${op.operationId}`];
    const content = op.responses[key]?.content;
    if (!content)
      return input.body === undefined ? [] : [`status ${input.status} of ${op.operationId} has no body`];
    if (input.body === undefined) return [`status ${input.status} of ${op.operationId} needs a body`];
    const fn = this.compiled(`${op.pointer}/r/${key}`, {
      $ref: `${op.pointer}/responses/${key}/content/application~1json/schema`,
    });
    return fn(input.body) ? [] : describe(`response ${op.operationId} ${input.status}`, fn.errors);
  }
}

function describe(where: string, errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map(
    (e) => `${where}${e.instancePath}: ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`,
  );
}

let instance: SpecValidator | undefined;
const validator = () => (instance ??= new SpecValidator());

/** Errors of a request against its operation (query parameters and JSON body); empty when valid. */
export function validateRequest(input: RequestToCheck): string[] {
  return validator().request(input);
}

/** Errors of a response against the operation's documented status (exact, then 4XX/5XX) and schema. */
export function validateResponse(input: ResponseToCheck): string[] {
  return validator().response(input);
}

/** The spec's operationId for a method and path (`list_servers` for GET /servers). */
export function operationIdFor(method: string, path: string): string | undefined {
  return validator().find(method, path)?.operationId;
}

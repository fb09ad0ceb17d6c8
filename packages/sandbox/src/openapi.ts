/**
 * The vendored OpenAPI file drives routing (path template → operationId) and request validation,
 * so the simulator answers exactly the operations and bodies the real API has.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { invalidInput, type FieldError } from './api-error.js';
import { HCLOUD_OPENAPI_URL } from './specs.js';

const SPEC_URL = HCLOUD_OPENAPI_URL;
const CLOUD_SERVER = 'https://api.hetzner.cloud/v1';
const METHODS = ['get', 'post', 'put', 'delete'] as const;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

interface ParameterSpec {
  name: string;
  in: string;
  required?: boolean;
  schema?: { type?: string; items?: unknown };
}

interface OperationSpec {
  operationId: string;
  parameters?: ParameterSpec[];
  requestBody?: { required?: boolean; content?: Record<string, unknown> };
}

export interface Operation {
  operationId: string;
  method: HttpMethod;
  template: string;
  hasBody: boolean;
  bodyRequired: boolean;
  /** Query parameters with their index in the operation's `parameters` (for schema pointers). */
  queryParams: (ParameterSpec & { index: number })[];
  pointer: string;
}

interface CompiledRoute {
  op: Operation;
  regex: RegExp;
  names: string[];
  staticSegments: number;
}

export interface RouteMatch {
  op: Operation;
  params: Record<string, string>;
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

// ajv-formats is published as CommonJS; under NodeNext its default export may be wrapped.
type AddFormats = (ajv: Ajv) => Ajv;
const addFormats: AddFormats =
  (addFormatsModule as unknown as { default?: AddFormats }).default ??
  (addFormatsModule as unknown as AddFormats);

export class OpenApiIndex {
  private readonly routes: CompiledRoute[] = [];
  private readonly ajv: Ajv;
  private readonly bodyValidators = new Map<string, ValidateFunction>();
  private readonly queryValidators = new Map<string, ValidateFunction>();

  constructor(spec: { paths: Record<string, Record<string, unknown>> }) {
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addFormat('decimal', /^-?\d+(\.\d+)?$/);
    this.ajv.addSchema(spec as object, 'hcloud');
    for (const [template, item] of Object.entries(spec.paths)) {
      const servers = item['servers'] as { url: string }[] | undefined;
      if (servers && !servers.some((s) => s.url === CLOUD_SERVER)) continue;
      for (const method of METHODS) {
        const raw = item[method] as OperationSpec | undefined;
        if (!raw) continue;
        this.routes.push(this.compile(template, method, raw));
      }
    }
    // Static segments win over parameters: `/servers/actions` before `/servers/{id}`.
    this.routes.sort((a, b) => b.staticSegments - a.staticSegments);
  }

  private compile(template: string, method: (typeof METHODS)[number], raw: OperationSpec): CompiledRoute {
    const names: string[] = [];
    const segments = template.split('/').filter(Boolean);
    const pattern = segments
      .map((seg) => {
        const m = /^\{(\w+)\}$/.exec(seg);
        if (m && m[1]) {
          names.push(m[1]);
          return '([^/]+)';
        }
        return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    const op: Operation = {
      operationId: raw.operationId,
      method: method.toUpperCase() as HttpMethod,
      template,
      hasBody: raw.requestBody !== undefined,
      bodyRequired: raw.requestBody?.required === true,
      queryParams: (raw.parameters ?? [])
        .map((p, index) => ({ ...p, index }))
        .filter((p) => p.in === 'query'),
      pointer: `hcloud#/paths/${escapePointer(template)}/${method}`,
    };
    return {
      op,
      regex: new RegExp(`^/${pattern}$`),
      names,
      staticSegments: segments.length - names.length,
    };
  }

  /** `null` when no path matches; `{ op: undefined }` when the path exists for other methods. */
  match(method: string, path: string): RouteMatch | { op: undefined; allowed: string[] } | null {
    const allowed: string[] = [];
    for (const route of this.routes) {
      const m = route.regex.exec(path);
      if (!m) continue;
      if (route.op.method !== method) {
        allowed.push(route.op.method);
        continue;
      }
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        params[name] = decodeURIComponent(m[i + 1] ?? '');
      });
      return { op: route.op, params };
    }
    return allowed.length > 0 ? { op: undefined, allowed } : null;
  }

  /** Throws invalid_input when the body does not match the operation's request schema. */
  validateBody(op: Operation, body: unknown): void {
    if (!op.hasBody) return;
    let validate = this.bodyValidators.get(op.operationId);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `${op.pointer}/requestBody/content/application~1json/schema` });
      this.bodyValidators.set(op.operationId, validate);
    }
    if (body === undefined) {
      if (op.bodyRequired) throw invalidInput([{ name: 'body', messages: ['request body is required'] }]);
      return;
    }
    if (!validate(body)) throw invalidInput(fieldErrors(validate.errors ?? []));
  }

  /**
   * Coerces the query string to the declared parameter types and validates it. Returns the
   * typed values (arrays for repeatable parameters). Undeclared parameters are ignored, as Hetzner does.
   */
  parseQuery(op: Operation, search: URLSearchParams): Record<string, unknown> {
    const values: Record<string, unknown> = {};
    for (const param of op.queryParams) {
      const all = search.getAll(param.name);
      const isArray = param.schema?.type === 'array';
      if (all.length === 0) continue;
      const itemType = isArray
        ? (param.schema?.items as { type?: string } | undefined)?.type
        : param.schema?.type;
      const coerced = all.map((v) => coerce(v, itemType));
      values[param.name] = isArray ? coerced : coerced[coerced.length - 1];
    }
    let validate = this.queryValidators.get(op.operationId);
    if (!validate) {
      const properties: Record<string, unknown> = {};
      const required: string[] = [];
      op.queryParams.forEach((p) => {
        properties[p.name] = { $ref: `${op.pointer}/parameters/${p.index}/schema` };
        if (p.required) required.push(p.name);
      });
      validate = this.ajv.compile({ type: 'object', properties, required });
      this.queryValidators.set(op.operationId, validate);
    }
    if (!validate(values)) throw invalidInput(fieldErrors(validate.errors ?? []));
    return values;
  }
}

function coerce(value: string, type: string | undefined): unknown {
  if (type === 'integer' || type === 'number') {
    return /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  }
  if (type === 'boolean') return value === 'true' ? true : value === 'false' ? false : value;
  return value;
}

function fieldErrors(errors: ErrorObject[]): FieldError[] {
  const byField = new Map<string, string[]>();
  for (const err of errors) {
    let name = err.instancePath.replace(/^\//, '').replace(/\//g, '.');
    if (err.keyword === 'required') {
      const missing = (err.params as { missingProperty?: string }).missingProperty ?? '';
      name = name ? `${name}.${missing}` : missing;
    }
    if (!name) name = 'body';
    const list = byField.get(name) ?? [];
    const text =
      err.keyword === 'required' ? 'Missing data for required field.' : (err.message ?? 'is invalid');
    if (!list.includes(text)) list.push(text);
    byField.set(name, list);
  }
  return [...byField].map(([name, messages]) => ({ name, messages }));
}

let cached: OpenApiIndex | undefined;

/** Loads the vendored spec once per process (about 1 MB of JSON). */
export function loadOpenApi(): OpenApiIndex {
  if (!cached) {
    const spec = JSON.parse(readFileSync(fileURLToPath(SPEC_URL), 'utf8')) as {
      paths: Record<string, Record<string, unknown>>;
    };
    cached = new OpenApiIndex(spec);
  }
  return cached;
}

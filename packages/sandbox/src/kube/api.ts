/**
 * The HTTP surface of one simulated API server: authorization of the TLS identity, discovery,
 * and the REST verbs on resource paths (Table output, selectors, PATCH flavours, apply, eviction).
 * Pure request → response over the cluster's Objects; the listener does the TLS and the I/O.
 */
import { parse as parseYaml } from 'yaml';
import {
  aggregatedDiscovery,
  AGGREGATED_CONTENT_TYPE,
  apiGroupList,
  apiResourceList,
  apiVersions,
  openApiDocument,
  openApiIndex,
  versionInfo,
  wantsAggregated,
} from './discovery.js';
import { badRequest, KubeError, methodNotAllowed, resourceNotFound } from './errors.js';
import { EVICTED, evict } from './eviction.js';
import { jsonPatch, mergePatch } from './patch.js';
import type { Objects, PatchType } from './objects.js';
import { apiVersionOf, type ResourceType } from './resources.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import { renderTable, type IncludeObject } from './table.js';
import { asArray, asObject, isObject, type KubeObject } from './types.js';

export interface User {
  name: string;
  groups: string[];
}

export interface ApiRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  accept: string | undefined;
  contentType: string | undefined;
  userAgent: string | undefined;
  body: string | undefined;
  /** null: no client certificate (system:anonymous). */
  user: User | null;
}

export interface ApiResponse {
  status: number;
  body: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  /** A watch: the listener streams events computed from successive snapshots. */
  watch?: WatchStream;
}

export interface WatchStream {
  snapshot(): KubeObject[];
  /** Objects with a resourceVersion above this are new to the watcher (0: all are). */
  since: number;
  timeoutMs: number;
}

export interface ApiBackend {
  objects: Objects;
  /** kube-apiserver version of the instance answering. */
  gitVersion: string;
  /** host:port the client reached. */
  serverAddress: string;
  now(): number;
}

interface ResourcePath {
  type: ResourceType;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
}

const PUBLIC_PATHS = new Set(['/version', '/healthz', '/livez', '/readyz']);
const PATCH_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

const ok = (body: unknown, status = 200): ApiResponse => ({ status, body });

export function handleApi(backend: ApiBackend, req: ApiRequest): ApiResponse {
  try {
    return route(backend, req);
  } catch (error) {
    if (error instanceof KubeError) {
      const headers: Record<string, string> = {};
      if (error.details?.retryAfterSeconds) headers['Retry-After'] = String(error.details.retryAfterSeconds);
      return { status: error.code, body: error.toStatus(), headers };
    }
    console.error('sandbox: kube api request failed:', error);
    return {
      status: 500,
      body: new KubeError(500, 'InternalError', `Internal error occurred: ${String(error)}`).toStatus(),
    };
  }
}

function forbidden(user: User | null, what: string): KubeError {
  return new KubeError(
    403,
    'Forbidden',
    `forbidden: User "${user?.name ?? 'system:anonymous'}" cannot ${what}`,
    {},
  );
}

function route(backend: ApiBackend, req: ApiRequest): ApiResponse {
  const path = req.path.replace(/\/+$/, '') || '/';
  const privileged = req.user?.groups.includes('system:masters') ?? false;
  if (!privileged && !(PUBLIC_PATHS.has(path) && req.method === 'GET')) {
    throw forbidden(req.user, `${req.method.toLowerCase()} path "${path}"`);
  }
  if (req.method === 'GET') {
    const discovery = discoveryAnswer(backend, req, path);
    if (discovery) return discovery;
  }
  const resource = parseResourcePath(backend.objects, path);
  if (!resource) throw resourceNotFound();
  return resourceRequest(backend, req, resource);
}

function discoveryAnswer(backend: ApiBackend, req: ApiRequest, path: string): ApiResponse | undefined {
  const catalog = backend.objects.catalog;
  if (path === '/version') return ok(versionInfo(backend.gitVersion));
  if (path === '/healthz' || path === '/livez' || path === '/readyz')
    return { status: 200, body: 'ok', contentType: 'text/plain' };
  if (path === '/api' || path === '/apis') {
    const aggregated = wantsAggregated(req.accept);
    if (aggregated) {
      const contentType = AGGREGATED_CONTENT_TYPE.replace('v=v2', `v=${aggregated}`);
      return { status: 200, body: aggregatedDiscovery(catalog, path === '/api', aggregated), contentType };
    }
    return ok(path === '/api' ? apiVersions(backend.serverAddress) : apiGroupList(catalog));
  }
  if (path === '/openapi/v3') return ok(openApiIndex(catalog));
  const openapi = /^\/openapi\/v3\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(path);
  if (openapi) {
    const doc = openApiDocument(catalog, openapi[2] ?? '', openapi[1] ?? openapi[3] ?? '');
    if (!doc) throw resourceNotFound();
    return ok(doc);
  }
  const gv = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(path);
  if (gv) {
    const list = apiResourceList(catalog, gv[2] ?? '', gv[1] ?? gv[3] ?? '');
    if (!list) throw resourceNotFound();
    return ok(list);
  }
  const group = /^\/apis\/([^/]+)$/.exec(path);
  if (group) {
    const entry = apiGroupList(catalog)['groups'];
    const found = asArray(entry).find((g) => asObject(g)['name'] === group[1]);
    if (!found) throw resourceNotFound();
    return ok({ kind: 'APIGroup', apiVersion: 'v1', ...asObject(found) });
  }
  return undefined;
}

export function parseResourcePath(objects: Objects, path: string): ResourcePath | undefined {
  const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/(.+)$/.exec(path);
  if (!m) return undefined;
  const group = m[2] ?? '';
  const version = m[1] ?? m[3] ?? '';
  const segs = (m[4] ?? '').split('/').map(decodeURIComponent);
  let namespace: string | undefined;
  let rest = segs;
  const namespaceSub = segs.length === 3 && (segs[2] === 'status' || segs[2] === 'finalize');
  if (segs[0] === 'namespaces' && segs.length >= 3 && !namespaceSub) {
    namespace = segs[1];
    rest = segs.slice(2);
  }
  const [plural, name, subresource, ...extra] = rest;
  if (!plural || extra.length > 0) return undefined;
  const type = objects.catalog.find(group, version, plural);
  if (!type) return undefined;
  if (namespace !== undefined && !type.namespaced) return undefined;
  if (subresource !== undefined && !type.subresources.some((s) => s.name === subresource)) return undefined;
  return { type, namespace, name, subresource };
}

function dryRunOf(query: URLSearchParams): boolean {
  const values = query.getAll('dryRun');
  for (const v of values) {
    if (v !== 'All')
      throw new KubeError(422, 'Invalid', `dryRun: Unsupported value: "${v}": supported values: "All"`);
  }
  return values.length > 0;
}

function managerOf(req: ApiRequest, required: boolean): string {
  const given = req.query.get('fieldManager');
  if (given !== null && given !== '') {
    if (given.length > 128)
      throw new KubeError(
        422,
        'Invalid',
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not be longer than 128',
      );
    return given;
  }
  if (required) {
    throw new KubeError(
      422,
      'Invalid',
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
      {
        group: 'meta.k8s.io',
        kind: 'PatchOptions',
        causes: [
          {
            reason: 'FieldValueRequired',
            message: 'Required value: is required for apply patch',
            field: 'fieldManager',
          },
        ],
      },
    );
  }
  return (req.userAgent ?? 'unknown').split('/')[0] ?? 'unknown';
}

function parseBody(req: ApiRequest, yaml: boolean): unknown {
  if (req.body === undefined || req.body.trim() === '') return undefined;
  try {
    return yaml ? (parseYaml(req.body) as unknown) : (JSON.parse(req.body) as unknown);
  } catch (error) {
    throw badRequest(
      `${yaml ? 'error decoding YAML' : "couldn't get version/kind; json parse error"}: ${(error as Error).message}`,
    );
  }
}

function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => /;\s*as=Table/.test(part) && /g=meta\.k8s\.io/.test(part));
}

function includeObject(query: URLSearchParams): IncludeObject {
  const value = query.get('includeObject');
  return value === 'Object' || value === 'None' ? value : 'Metadata';
}

/** autoscaling/v1 Scale of a scalable object. */
function scaleView(obj: KubeObject): Record<string, unknown> {
  const spec = asObject(obj['spec']);
  const status = asObject(obj['status']);
  const selector = asObject(asObject(spec['selector'])['matchLabels']);
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
      creationTimestamp: obj.metadata.creationTimestamp,
    },
    spec: { replicas: Number(spec['replicas'] ?? 0) },
    status: {
      replicas: Number(status['replicas'] ?? 0),
      selector: Object.entries(selector)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(','),
    },
  };
}

function scaleRequest(backend: ApiBackend, req: ApiRequest, r: ResourcePath & { name: string }): ApiResponse {
  const { objects } = backend;
  const live = objects.get(r.type, r.namespace, r.name);
  if (req.method === 'GET') return ok(scaleView(live));
  if (req.method !== 'PUT' && req.method !== 'PATCH') throw methodNotAllowed();
  const current = scaleView(live);
  let wanted: unknown;
  if (req.method === 'PUT') wanted = parseBody(req, false);
  else {
    const patchType = PATCH_TYPES[(req.contentType ?? '').split(';')[0]?.trim() ?? ''];
    if (!patchType || patchType === 'apply')
      throw new KubeError(
        415,
        'UnsupportedMediaType',
        'the body of the request was in an unknown format',
        {},
      );
    const body = parseBody(req, false);
    wanted = patchType === 'json' ? jsonPatch(current, body) : mergePatch(current, body);
  }
  const replicas = asObject(asObject(wanted)['spec'])['replicas'];
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw new KubeError(
      422,
      'Invalid',
      `Scale.autoscaling "${r.name}" is invalid: spec.replicas: Invalid value: must be greater than or equal to 0`,
    );
  }
  const result = objects.patch(
    r.type,
    r.namespace,
    r.name,
    'merge',
    { spec: { replicas } },
    {
      manager: managerOf(req, false),
      dryRun: dryRunOf(req.query),
      force: false,
    },
  );
  return ok(scaleView(result.object));
}

function resourceRequest(backend: ApiBackend, req: ApiRequest, r: ResourcePath): ApiResponse {
  const { objects } = backend;
  const { type, namespace, name } = r;
  if (r.subresource === 'scale' && name !== undefined) return scaleRequest(backend, req, { ...r, name });
  switch (req.method) {
    case 'GET':
      return getRequest(backend, req, r);
    case 'POST': {
      if (name === undefined) {
        const obj = objects.create(type, namespace, parseBody(req, false), {
          manager: managerOf(req, false),
          dryRun: dryRunOf(req.query),
        });
        return ok(obj, 201);
      }
      if (r.subresource === 'eviction' && namespace !== undefined) {
        evict(objects, {
          namespace,
          name,
          body: parseBody(req, false),
          queryDryRun: dryRunOf(req.query),
          now: backend.now(),
        });
        return ok(EVICTED, 201);
      }
      throw methodNotAllowed();
    }
    case 'PUT': {
      if (name === undefined || (r.subresource !== undefined && r.subresource !== 'status'))
        throw methodNotAllowed();
      const options = {
        manager: managerOf(req, false),
        dryRun: dryRunOf(req.query),
        ...(r.subresource ? { subresource: 'status' as const } : {}),
      };
      return ok(objects.update(type, namespace, name, parseBody(req, false), options));
    }
    case 'PATCH':
      return patchRequest(backend, req, r);
    case 'DELETE': {
      if (name === undefined || r.subresource !== undefined) throw methodNotAllowed();
      const options = asObject(parseBody(req, false));
      const dryRun = dryRunOf(req.query) || asArray(options['dryRun']).includes('All');
      const graceQuery = req.query.get('gracePeriodSeconds');
      const grace =
        typeof options['gracePeriodSeconds'] === 'number'
          ? options['gracePeriodSeconds']
          : graceQuery !== null
            ? Number(graceQuery)
            : undefined;
      const pre = asObject(options['preconditions']);
      const result = objects.delete(type, namespace, name, {
        dryRun,
        ...(grace === undefined || Number.isNaN(grace) ? {} : { gracePeriodSeconds: grace }),
        preconditions: {
          ...(typeof pre['uid'] === 'string' ? { uid: pre['uid'] } : {}),
          ...(typeof pre['resourceVersion'] === 'string' ? { resourceVersion: pre['resourceVersion'] } : {}),
        },
      });
      if (result.kind === 'pending' || type.plural === 'pods') return ok(result.object);
      return ok({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
        details: {
          name,
          ...(type.group === '' ? {} : { group: type.group }),
          kind: type.plural,
          uid: result.object.metadata.uid,
        },
      });
    }
    default:
      throw methodNotAllowed();
  }
}

function getRequest(backend: ApiBackend, req: ApiRequest, r: ResourcePath): ApiResponse {
  const { objects } = backend;
  const table = wantsTable(req.accept);
  if (r.name !== undefined) {
    if (r.subresource === 'eviction') throw methodNotAllowed();
    const obj = objects.get(r.type, r.namespace, r.name);
    return ok(
      table
        ? renderTable(r.type, [obj], obj.metadata.resourceVersion, includeObject(req.query), backend.now())
        : obj,
    );
  }
  const labels = parseLabelSelector(req.query.get('labelSelector') ?? '');
  const fields = parseFieldSelector(req.query.get('fieldSelector') ?? '', r.type.plural);
  const nsField = fields.find((f) => f.field === 'metadata.namespace' && !f.negate);
  const items = objects.list(r.type, r.namespace ?? nsField?.value, labels, fields);
  const watch = req.query.get('watch');
  if (watch === 'true' || watch === '1') {
    const timeout = Number(req.query.get('timeoutSeconds') ?? '1800');
    return {
      status: 200,
      body: undefined,
      watch: {
        snapshot: () => objects.list(r.type, r.namespace ?? nsField?.value, labels, fields),
        since: Number(req.query.get('resourceVersion') ?? '0') || 0,
        timeoutMs: (Number.isFinite(timeout) && timeout > 0 ? Math.min(timeout, 1800) : 1800) * 1000,
      },
    };
  }
  const rv = objects.resourceVersion;
  if (table) return ok(renderTable(r.type, items, rv, includeObject(req.query), backend.now()));
  return ok({
    kind: `${r.type.kind}List`,
    apiVersion: apiVersionOf(r.type),
    metadata: { resourceVersion: rv },
    items,
  });
}

function patchRequest(backend: ApiBackend, req: ApiRequest, r: ResourcePath): ApiResponse {
  if (r.name === undefined || (r.subresource !== undefined && r.subresource !== 'status'))
    throw methodNotAllowed();
  const mediaType = (req.contentType ?? '').split(';')[0]?.trim() ?? '';
  const patchType = PATCH_TYPES[mediaType];
  const builtinType = r.type.group === '' || !r.type.group.includes('.') || r.type.group.endsWith('.k8s.io');
  if (!patchType || (patchType === 'strategic' && !builtinType)) {
    const accepted = Object.keys(PATCH_TYPES).filter(
      (t) => builtinType || t !== 'application/strategic-merge-patch+json',
    );
    throw new KubeError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
      {},
    );
  }
  const force = req.query.get('force') === 'true';
  if (force && patchType !== 'apply') {
    throw new KubeError(
      422,
      'Invalid',
      'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch',
      {
        group: 'meta.k8s.io',
        kind: 'PatchOptions',
        causes: [
          {
            reason: 'FieldValueForbidden',
            message: 'Forbidden: may not be specified for non-apply patch',
            field: 'force',
          },
        ],
      },
    );
  }
  const body = parseBody(req, patchType === 'apply');
  if (body === undefined) throw badRequest('the patch body is empty');
  if (patchType !== 'json' && !isObject(body)) throw badRequest('the patch must be a JSON object');
  const result = backend.objects.patch(r.type, r.namespace, r.name, patchType, body, {
    manager: managerOf(req, patchType === 'apply'),
    dryRun: dryRunOf(req.query),
    force,
    ...(r.subresource ? { subresource: 'status' as const } : {}),
  });
  return ok(result.object, result.created ? 201 : 200);
}

/**
 * Discovery documents: /version, legacy /api, /apis, /api/v1, /apis/<g>/<v> (APIVersions,
 * APIGroupList, APIResourceList), aggregated discovery (apidiscovery.k8s.io/v2) when the Accept
 * header asks for it, and the OpenAPI v3 index and per-group-version stubs that `kubectl apply`
 * reads to learn that the server supports the fieldValidation parameter.
 */
import { createHash } from 'node:crypto';
import { apiVersionOf, VERBS, type ResourceCatalog, type ResourceType } from './resources.js';
import type { JsonObject } from './types.js';

export const AGGREGATED_CONTENT_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** True when the Accept header lists the v2 (or v2beta1) APIGroupDiscoveryList. */
export function wantsAggregated(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  for (const part of (accept ?? '').split(',')) {
    const params = new Map(
      part
        .split(';')
        .slice(1)
        .map((p) => p.trim().split('=') as [string, string | undefined]),
    );
    if (params.get('g') !== 'apidiscovery.k8s.io' || params.get('as') !== 'APIGroupDiscoveryList') continue;
    const v = params.get('v');
    if (v === 'v2' || v === 'v2beta1') return v;
  }
  return undefined;
}

export function versionInfo(gitVersion: string): JsonObject {
  const m = /^v(\d+)\.(\d+)/.exec(gitVersion);
  const commit = createHash('sha1').update(gitVersion).digest('hex');
  return {
    major: m?.[1] ?? '1',
    minor: m?.[2] ?? '0',
    gitVersion,
    gitCommit: commit,
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: 'go1.25.5',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

export function apiVersions(serverAddress: string): JsonObject {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

export function apiGroupList(catalog: ResourceCatalog): JsonObject {
  const groups = catalog
    .groups()
    .filter((g) => g.group !== '')
    .map((g) => {
      const versions = g.versions.map((version) => ({ groupVersion: `${g.group}/${version}`, version }));
      return { name: g.group, versions, preferredVersion: versions[0] };
    });
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

function verbsOf(_type: ResourceType): string[] {
  return VERBS;
}

/** Legacy APIResourceList: main resources before their subresources (client-node takes the first match). */
export function apiResourceList(
  catalog: ResourceCatalog,
  group: string,
  version: string,
): JsonObject | undefined {
  const types = catalog.inVersion(group, version);
  if (types.length === 0) return undefined;
  const resources: JsonObject[] = [];
  for (const t of types) {
    resources.push({
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: verbsOf(t),
      ...(t.shortNames.length > 0 ? { shortNames: t.shortNames } : {}),
      ...(t.categories.length > 0 ? { categories: t.categories } : {}),
    });
    for (const sub of t.subresources) {
      const foreign = sub.group !== t.group || sub.version !== t.version;
      resources.push({
        name: `${t.plural}/${sub.name}`,
        singularName: '',
        namespaced: t.namespaced,
        ...(foreign ? { group: sub.group, version: sub.version } : {}),
        kind: sub.kind,
        verbs: sub.verbs,
      });
    }
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersionOf({ group, version }),
    resources,
  };
}

function discoveryResource(t: ResourceType): JsonObject {
  return {
    resource: t.plural,
    singularResource: t.singular,
    scope: t.namespaced ? 'Namespaced' : 'Cluster',
    responseKind: { group: t.group, version: t.version, kind: t.kind },
    verbs: verbsOf(t),
    ...(t.shortNames.length > 0 ? { shortNames: t.shortNames } : {}),
    ...(t.categories.length > 0 ? { categories: t.categories } : {}),
    ...(t.subresources.length > 0
      ? {
          subresources: t.subresources.map((s) => ({
            subresource: s.name,
            responseKind: { group: s.group, version: s.version, kind: s.kind },
            verbs: s.verbs,
          })),
        }
      : {}),
  };
}

/** APIGroupDiscoveryList for /api (`core` true: the single unnamed group) or /apis (every other group). */
export function aggregatedDiscovery(
  catalog: ResourceCatalog,
  core: boolean,
  version: 'v2' | 'v2beta1',
): JsonObject {
  const items = catalog
    .groups()
    .filter((g) => (g.group === '') === core)
    .map((g) => ({
      metadata: { name: g.group, creationTimestamp: null },
      versions: g.versions.map((v) => ({
        version: v,
        freshness: 'Current',
        resources: catalog.inVersion(g.group, v).map(discoveryResource),
      })),
    }));
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
}

function gvPath(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

function hashOf(value: unknown): string {
  return createHash('sha512').update(JSON.stringify(value)).digest('hex').slice(0, 128).toUpperCase();
}

export function openApiIndex(catalog: ResourceCatalog): JsonObject {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const g of catalog.groups()) {
    for (const v of g.versions) {
      const doc = openApiDocument(catalog, g.group, v);
      paths[gvPath(g.group, v)] = {
        serverRelativeURL: `/openapi/v3/${gvPath(g.group, v)}?hash=${hashOf(doc)}`,
      };
    }
  }
  return { paths };
}

const FIELD_VALIDATION = {
  name: 'fieldValidation',
  in: 'query',
  description:
    'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields.',
  schema: { type: 'string', uniqueItems: true },
};

/** Paths only (no schemas): enough for kubectl to find the fieldValidation parameter per kind. */
export function openApiDocument(
  catalog: ResourceCatalog,
  group: string,
  version: string,
): JsonObject | undefined {
  const types = catalog.inVersion(group, version);
  if (types.length === 0) return undefined;
  const paths: Record<string, JsonObject> = {};
  for (const t of types) {
    const base = `/${gvPath(group, version)}${t.namespaced ? '/namespaces/{namespace}' : ''}/${t.plural}/{name}`;
    paths[base] = {
      patch: {
        operationId: `patch${t.kind}`,
        parameters: [FIELD_VALIDATION],
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': { group, version, kind: t.kind },
        responses: { '200': { description: 'OK' } },
      },
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'unversioned' },
    paths,
    components: { schemas: {} },
  };
}

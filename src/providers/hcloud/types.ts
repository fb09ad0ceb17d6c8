/**
 * Names for the generated Hetzner Cloud types that the rest of hk8s uses. Everything here is derived from
 * `generated/hcloud.ts` (openapi-typescript output of the vendored spec), so a spec bump updates it.
 */
import type { components, paths } from './generated/hcloud.js';

export type { paths };
type Schemas = components['schemas'];

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';
type Lower<M extends HttpMethod> = Lowercase<M>;

/** The operation object of `paths[P][method]`. */
type OperationOf<P extends keyof paths, M extends HttpMethod> = paths[P][Lower<M>];

/** Paths that support method M. */
export type PathWith<M extends HttpMethod> = {
  [P in keyof paths]: OperationOf<P, M> extends undefined | never ? never : P;
}[keyof paths];

/** The JSON request body of an operation, or `never` when it takes none. */
export type JsonBody<P extends keyof paths, M extends HttpMethod = 'POST'> =
  OperationOf<P, M> extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;

/** The JSON body of an operation's success answer (200 or 201), or `undefined` for 204. */
export type JsonOk<P extends keyof paths, M extends HttpMethod> =
  OperationOf<P, M> extends { responses: infer R }
    ? R extends { 200: { content: { 'application/json': infer D } } }
      ? D
      : R extends { 201: { content: { 'application/json': infer D } } }
        ? D
        : undefined
    : never;

/** The query parameters of an operation. */
export type QueryOf<P extends keyof paths, M extends HttpMethod> =
  OperationOf<P, M> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

export type Action = Schemas['action'];
export type ErrorBody = Schemas['error_response'];
export type Labels = Record<string, string>;

/** Kinds that have a collection endpoint `GET /{kind}` answering `{ [kind]: T[], meta }`. */
export type ListKind =
  | 'networks'
  | 'firewalls'
  | 'ssh_keys'
  | 'placement_groups'
  | 'servers'
  | 'load_balancers'
  | 'primary_ips'
  | 'floating_ips'
  | 'volumes'
  | 'certificates'
  | 'images'
  | 'server_types'
  | 'locations'
  | 'load_balancer_types';

/** Kinds hk8s creates, updates (name, labels) and deletes. */
export type ManagedKind =
  | 'networks'
  | 'firewalls'
  | 'ssh_keys'
  | 'placement_groups'
  | 'servers'
  | 'load_balancers'
  | 'floating_ips'
  | 'volumes'
  | 'certificates';

type ListAnswer<K extends ListKind> = JsonOk<`/${K}`, 'GET'>;
/** The resource object of a kind, as its list endpoint returns it. */
export type ResourceOf<K extends ListKind> = ListAnswer<K> extends { [key in K]: (infer T)[] } ? T : never;
/** The body of `POST /{kind}`. */
export type CreateBody<K extends ManagedKind> = JsonBody<`/${K}`, 'POST'>;
/** Query parameters of `GET /{kind}`, without paging (which `listAll` owns). */
export type ListQuery<K extends ListKind> = Omit<QueryOf<`/${K}`, 'GET'>, 'page' | 'per_page'>;

export type Network = ResourceOf<'networks'>;
export type Firewall = ResourceOf<'firewalls'>;
export type SshKey = ResourceOf<'ssh_keys'>;
export type PlacementGroup = ResourceOf<'placement_groups'>;
export type Server = ResourceOf<'servers'>;
export type LoadBalancer = ResourceOf<'load_balancers'>;
export type PrimaryIp = ResourceOf<'primary_ips'>;
export type FloatingIp = ResourceOf<'floating_ips'>;
export type Volume = ResourceOf<'volumes'>;
export type Certificate = ResourceOf<'certificates'>;
export type Image = ResourceOf<'images'>;
export type ServerType = ResourceOf<'server_types'>;
export type Location = ResourceOf<'locations'>;
export type LoadBalancerType = ResourceOf<'load_balancer_types'>;

/** The singular key under which create/get/update answers carry the resource. */
export const SINGULAR = {
  networks: 'network',
  firewalls: 'firewall',
  ssh_keys: 'ssh_key',
  placement_groups: 'placement_group',
  servers: 'server',
  load_balancers: 'load_balancer',
  floating_ips: 'floating_ip',
  volumes: 'volume',
  certificates: 'certificate',
} as const satisfies Record<ManagedKind, string>;

/** The label every hk8s-created resource carries; `createResource` looks resources up by it. */
export const ADDRESS_LABEL = 'hk8s.io/address';
/** The cluster an object belongs to: scopes address lookups, since every cluster uses the same addresses. */
export const CLUSTER_LABEL = 'hk8s.io/cluster';

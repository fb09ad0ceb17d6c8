/**
 * The narrow surface the resource drivers and the observer use. `createHcloudClient` implements it;
 * tests and drivers may pass any fake that satisfies it.
 */
import type { WaitOptions } from './actions.js';
import type { ListFilter } from './paging.js';
import type {
  Action,
  CreateBody,
  JsonBody,
  Labels,
  ListKind,
  ManagedKind,
  PathWith,
  ResourceOf,
} from './types.js';

export interface CallOptions {
  signal?: AbortSignal;
  /** Resource address (e.g. `server.workers-fsn.3`), carried into errors as `where`. */
  where?: string;
}

/**
 * For changes that must not happen twice. When the answer is lost, `verify` is asked whether the change
 * took effect; if it did, the call ends with `verified: true` and no actions, else it is sent again.
 * Without `verify` a lost answer fails with a retryable HcloudApiError instead of a blind re-send.
 */
export interface UnsafeCallOptions extends CallOptions {
  verify?: () => Promise<boolean>;
}

export interface Created<R> {
  resource: R;
  /** Actions to wait for (create, start, apply_firewall, …). Empty when nothing runs or when adopted. */
  actions: Action[];
  /** True when the answer was lost and the resource was found by its `hk8s.io/address` label instead. */
  adopted: boolean;
}

export interface ActionResult {
  actions: Action[];
  /** True when the answer was lost and `verify()` confirmed the effect (then `actions` is empty). */
  verified: boolean;
}

export interface ResourceUpdate {
  name?: string;
  /** Replaces the whole label map. */
  labels?: Labels;
}

export interface ReadApi<K extends ListKind> {
  /** Every resource of the kind matching the filter, over as many pages as needed. */
  list(filter?: ListFilter<K>): Promise<ResourceOf<K>[]>;
}

export interface CrudApi<K extends ManagedKind> extends ReadApi<K> {
  /** The resource, or undefined when it does not exist (404). */
  get(id: number, options?: CallOptions): Promise<ResourceOf<K> | undefined>;
  /** Creates it; `body.labels` must carry `hk8s.io/address=<address>` (used to adopt after a lost answer). */
  create(body: CreateBody<K>, address: string, options?: CallOptions): Promise<Created<ResourceOf<K>>>;
  update(id: number, changes: ResourceUpdate, options?: CallOptions): Promise<ResourceOf<K>>;
  /** Deletes it. A 404 after a lost answer counts as deleted. Only servers return an action. */
  delete(id: number, options?: CallOptions): Promise<ActionResult>;
}

type Body<P extends PathWith<'POST'>> = JsonBody<P, 'POST'>;

export interface NetworkApi extends CrudApi<'networks'> {
  addSubnet(
    id: number,
    body: Body<'/networks/{id}/actions/add_subnet'>,
    options?: UnsafeCallOptions,
  ): Promise<ActionResult>;
  deleteSubnet(
    id: number,
    body: Body<'/networks/{id}/actions/delete_subnet'>,
    options?: UnsafeCallOptions,
  ): Promise<ActionResult>;
  addRoute(
    id: number,
    body: Body<'/networks/{id}/actions/add_route'>,
    options?: UnsafeCallOptions,
  ): Promise<ActionResult>;
  deleteRoute(
    id: number,
    body: Body<'/networks/{id}/actions/delete_route'>,
    options?: UnsafeCallOptions,
  ): Promise<ActionResult>;
  changeProtection(
    id: number,
    body: Body<'/networks/{id}/actions/change_protection'>,
    options?: CallOptions,
  ): Promise<ActionResult>;
}

export interface FirewallApi extends CrudApi<'firewalls'> {
  setRules(
    id: number,
    body: Body<'/firewalls/{id}/actions/set_rules'>,
    options?: CallOptions,
  ): Promise<ActionResult>;
  applyToResources(
    id: number,
    body: Body<'/firewalls/{id}/actions/apply_to_resources'>,
    options?: UnsafeCallOptions,
  ): Promise<ActionResult>;
  removeFromResources(
    id: number,
    body: Body<'/firewalls/{id}/actions/remove_from_resources'>,
    options?: UnsafeCallOptions,
  ): Promise<ActionResult>;
}

export interface ServerApi extends CrudApi<'servers'> {
  poweron(id: number, options?: CallOptions): Promise<ActionResult>;
  poweroff(id: number, options?: CallOptions): Promise<ActionResult>;
  shutdown(id: number, options?: CallOptions): Promise<ActionResult>;
  changeType(
    id: number,
    body: Body<'/servers/{id}/actions/change_type'>,
    options?: UnsafeCallOptions,
  ): Promise<ActionResult>;
  changeDnsPtr(
    id: number,
    body: Body<'/servers/{id}/actions/change_dns_ptr'>,
    options?: CallOptions,
  ): Promise<ActionResult>;
  changeProtection(
    id: number,
    body: Body<'/servers/{id}/actions/change_protection'>,
    options?: CallOptions,
  ): Promise<ActionResult>;
  attachToNetwork(
    id: number,
    body: Body<'/servers/{id}/actions/attach_to_network'>,
    options?: UnsafeCallOptions,
  ): Promise<ActionResult>;
  detachFromNetwork(
    id: number,
    body: Body<'/servers/{id}/actions/detach_from_network'>,
    options?: UnsafeCallOptions,
  ): Promise<ActionResult>;
  /** Rescue for the next boot (no reboot); the given SSH keys may log in as root. */
  enableRescue(
    id: number,
    body: Body<'/servers/{id}/actions/enable_rescue'>,
    options?: CallOptions,
  ): Promise<ActionResult>;
  reset(id: number, options?: CallOptions): Promise<ActionResult>;
  /** A snapshot of the server's disk; a lost answer is re-sent only when `verify` says it was not made. */
  createImage(
    id: number,
    body: Body<'/servers/{id}/actions/create_image'>,
    options?: UnsafeCallOptions,
  ): Promise<{ image: ResourceOf<'images'> | undefined; actions: Action[] }>;
}

/** Images are made by `servers.createImage`; hk8s lists, reads, relabels and deletes snapshots. */
export interface ImageApi extends ReadApi<'images'> {
  get(id: number, options?: CallOptions): Promise<ResourceOf<'images'> | undefined>;
  update(id: number, changes: ResourceUpdate, options?: CallOptions): Promise<ResourceOf<'images'>>;
  delete(id: number, options?: CallOptions): Promise<ActionResult>;
}

export interface LoadBalancerApi extends CrudApi<'load_balancers'> {
  addService(
    id: number,
    body: Body<'/load_balancers/{id}/actions/add_service'>,
    options?: UnsafeCallOptions,
  ): Promise<ActionResult>;
  updateService(
    id: number,
    body: Body<'/load_balancers/{id}/actions/update_service'>,
    options?: CallOptions,
  ): Promise<ActionResult>;
  deleteService(
    id: number,
    body: Body<'/load_balancers/{id}/actions/delete_service'>,
    options?: UnsafeCallOptions,
  ): Promise<ActionResult>;
  addTarget(
    id: number,
    body: Body<'/load_balancers/{id}/actions/add_target'>,
    options?: UnsafeCallOptions,
  ): Promise<ActionResult>;
  removeTarget(
    id: number,
    body: Body<'/load_balancers/{id}/actions/remove_target'>,
    options?: UnsafeCallOptions,
  ): Promise<ActionResult>;
  attachToNetwork(
    id: number,
    body: Body<'/load_balancers/{id}/actions/attach_to_network'>,
    options?: UnsafeCallOptions,
  ): Promise<ActionResult>;
  detachFromNetwork(
    id: number,
    body: Body<'/load_balancers/{id}/actions/detach_from_network'>,
    options?: UnsafeCallOptions,
  ): Promise<ActionResult>;
  changeType(
    id: number,
    body: Body<'/load_balancers/{id}/actions/change_type'>,
    options?: UnsafeCallOptions,
  ): Promise<ActionResult>;
  changeAlgorithm(
    id: number,
    body: Body<'/load_balancers/{id}/actions/change_algorithm'>,
    options?: CallOptions,
  ): Promise<ActionResult>;
  changeDnsPtr(
    id: number,
    body: Body<'/load_balancers/{id}/actions/change_dns_ptr'>,
    options?: CallOptions,
  ): Promise<ActionResult>;
  changeProtection(
    id: number,
    body: Body<'/load_balancers/{id}/actions/change_protection'>,
    options?: CallOptions,
  ): Promise<ActionResult>;
  enablePublicInterface(id: number, options?: CallOptions): Promise<ActionResult>;
  disablePublicInterface(id: number, options?: CallOptions): Promise<ActionResult>;
}

/** Talos assigns the control-plane floating IP; hk8s only takes it off a server before deleting it. */
export interface FloatingIpApi extends CrudApi<'floating_ips'> {
  unassign(id: number, options?: CallOptions): Promise<ActionResult>;
  changeProtection(
    id: number,
    body: Body<'/floating_ips/{id}/actions/change_protection'>,
    options?: CallOptions,
  ): Promise<ActionResult>;
}

export interface HcloudApi {
  networks: NetworkApi;
  firewalls: FirewallApi;
  sshKeys: CrudApi<'ssh_keys'>;
  placementGroups: CrudApi<'placement_groups'>;
  servers: ServerApi;
  loadBalancers: LoadBalancerApi;
  volumes: CrudApi<'volumes'>;
  certificates: CrudApi<'certificates'>;
  primaryIps: ReadApi<'primary_ips'>;
  floatingIps: FloatingIpApi;
  /** Filter by `query: { type: [...] }` and `labelSelector`. */
  images: ImageApi;
  serverTypes: ReadApi<'server_types'>;
  locations: ReadApi<'locations'>;
  loadBalancerTypes: ReadApi<'load_balancer_types'>;
  /** Resolves when every action succeeded; rejects with HcloudActionError when one ends in `error`. */
  waitForActions(ids: readonly number[], options?: WaitOptions): Promise<Action[]>;
}

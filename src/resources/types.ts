/**
 * What every resource type module provides: its diff rules for the planner, and — for Hetzner
 * types — its desired shape, how an observed API object is normalized, and its driver. Types only:
 * the modules themselves import nothing from the client at runtime, so the planner may load them.
 */
import type { ResourceRecord, RunContext } from '../execute/runner.js';
import type { HcloudApi } from '../providers/hcloud/index.js';
import type {
  DesiredResource,
  HcloudResourceType,
  JsonObject,
  ObservedResource,
  ReplaceAction,
  UpdateAction,
} from '../plan/types.js';
import type { DesiredContext } from './hcloud/infra-spec.js';

/** What the planner must know about a resource type: which fields force a replacement, the delete order. */
export interface ResourceRules {
  /** JSON pointers (prefixes) of fields Hetzner cannot change in place: a change means replace. */
  immutable: readonly string[];
  /** Fields set at creation and never compared afterwards (like Terraform's ignore_changes). */
  createOnly: readonly string[];
  /** Lower goes first when deleting: servers before the networks they sit in. */
  deleteRank: number;
  /** Servers are cluster nodes: take their workloads off before they go away. */
  drainBeforeDelete: boolean;
  /** Fields Hetzner changes in place only by powering the object off and on (said in the plan). */
  powerCycle?: readonly string[];
  /**
   * Changes of this type go one at a time: Hetzner locks the parent (subnets are actions on their
   * network, which refuses a second change while one runs).
   */
  serial?: boolean;
}

export interface DriverContext {
  api: HcloudApi;
  run: RunContext;
  address: string;
  /** Whose address it is: another cluster of the project has the same addresses. */
  cluster: string;
}

/** What a Hetzner resource type does on the wire. */
export interface Driver {
  create(ctx: DriverContext, props: JsonObject): Promise<ResourceRecord>;
  update(ctx: DriverContext, action: UpdateAction | ReplaceAction): Promise<ResourceRecord>;
  delete(ctx: DriverContext, id: string, before: JsonObject): Promise<void>;
  /** The resource at this address as it exists now, found by its address label. */
  find(ctx: DriverContext): Promise<ResourceRecord | undefined>;
}

/** Maps Hetzner ids of what was observed so far back to addresses. */
export interface AddressBook {
  /** The address of an observed object by its Hetzner id; the type must be observed earlier. */
  addressOf(type: HcloudResourceType, id: number | null | undefined): string | undefined;
  /** Everything observed of a type so far (the type must be observed earlier). */
  observed(type: HcloudResourceType): readonly ObservedResource[];
}

/** One object a list call returned, with its normalization bound to it. */
export interface ListedObject {
  id: number;
  name: string;
  labels?: Record<string, string>;
  /** The object in the desired props' shape (same names and nesting, references as `$ref`). */
  normalize(book: AddressBook): JsonObject;
  /** Resources living inside the object, which carry no labels of their own (a network's subnets). */
  contained?(address: string): ObservedResource[];
}

export interface ObserveOptions {
  includeVolumes?: boolean;
}

export interface Observer {
  /** How notices name the kind: "placement group". */
  noun: string;
  /** Whether this run observes the kind at all (volumes only when asked to). */
  when?(options: ObserveOptions): boolean;
  /** One paginated list call, filtered by the cluster label. */
  list(api: HcloudApi, filter: { labelSelector: string; signal?: AbortSignal }): Promise<ListedObject[]>;
}

/** One Hetzner resource type: everything about it in one place. */
export interface HcloudResourceModule<T extends HcloudResourceType = HcloudResourceType> {
  type: T;
  rules: ResourceRules;
  /** What the spec asks for of this type (none for types hk8s only observes). */
  desired(ctx: DesiredContext): DesiredResource[];
  /** Absent for types that exist only inside another's list (subnets come with their network). */
  observe?: Observer;
  driver: Driver;
}

export function isUnder(pointer: string, prefix: string): boolean {
  return pointer === prefix || pointer.startsWith(`${prefix}/`);
}

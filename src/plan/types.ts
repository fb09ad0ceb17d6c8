/**
 * The plan's vocabulary: resources (what should exist), observations (what does exist) and the
 * closed union of actions that turn one into the other. Plain data only: plans are saved to files
 * and hashed, so nothing here may hold functions or class instances.
 */
import type { Operation } from 'fast-json-patch';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** A reference to another resource inside props, resolved to its id when the action runs. */
export interface Ref {
  $ref: string;
}

/** Every Hetzner object hk8s manages; each has one module in `src/resources/hcloud`. */
export type HcloudResourceType =
  | 'network'
  | 'subnet'
  | 'firewall'
  | 'ssh_key'
  | 'placement_group'
  | 'server'
  | 'load_balancer'
  | 'floating_ip'
  | 'volume';

/** Talos records, kept in the event log rather than in the cloud. */
export type TalosResourceType = 'talos_secrets' | 'talos_config' | 'talos_bootstrap' | 'talos_kubeconfig';

/** Every kind of object hk8s manages. Closed: adding one means handling it in every switch. */
export type ResourceType = HcloudResourceType | TalosResourceType;

/** What the spec asks for, one resource at one address (`server.workers-fsn.3`). */
export interface DesiredResource {
  address: string;
  type: ResourceType;
  /** The managed attributes, in the same normalized shape the provider observes. */
  props: JsonObject;
  /** Addresses this resource needs to exist first (also found as `$ref`s inside props). */
  dependsOn: string[];
}

/** What exists now, normalized to the desired shape, with references expressed as addresses. */
export interface ObservedResource {
  address: string;
  type: ResourceType;
  id: string;
  props: JsonObject;
}

export interface Observed {
  resources: ObservedResource[];
}

/**
 * Every kind of action a plan can hold, declared once. The executor has one runner per kind
 * (`src/execute/runners.ts`): a kind listed here without a runner fails the type-check, and a kind
 * without a real runner is not listed (nor planned).
 */
export const ACTION_KINDS = [
  'create',
  'update',
  'replace',
  'delete',
  'drain',
  'leave-etcd',
  'apply-config',
  'bootstrap',
  'wait',
] as const;

export type ActionKind = (typeof ACTION_KINDS)[number];

export function isActionKind(value: unknown): value is ActionKind {
  return typeof value === 'string' && (ACTION_KINDS as readonly string[]).includes(value);
}

interface ActionBase {
  /** Stable, deterministic: `<kind>:<address>`. */
  id: string;
  address: string;
  /** Ids of actions that must succeed first. */
  dependsOn: string[];
  /** Why this action exists, for people: "not found", "labels changed", "pool scaled down to 2". */
  reason: string;
  /** Actions sharing a group run at most `groups[group].limit` at a time (1 = one by one). */
  group?: string;
}

export interface CreateAction extends ActionBase {
  kind: 'create';
  type: ResourceType;
  props: JsonObject;
}

export interface UpdateAction extends ActionBase {
  kind: 'update';
  type: ResourceType;
  resourceId: string;
  before: JsonObject;
  after: JsonObject;
  patch: Operation[];
}

export interface ReplaceAction extends ActionBase {
  kind: 'replace';
  type: ResourceType;
  resourceId: string;
  before: JsonObject;
  after: JsonObject;
  patch: Operation[];
  /** JSON pointers of the changed fields that cannot change in place (empty when forced by --replace). */
  forcedBy: string[];
}

export interface DeleteAction extends ActionBase {
  kind: 'delete';
  type: ResourceType;
  resourceId: string;
  before: JsonObject;
}

export interface DrainAction extends ActionBase {
  kind: 'drain';
  /** Address of the node's server. */
  node: string;
}

/** A control plane that is removed leaves etcd first, so the remaining members keep their quorum. */
export interface LeaveEtcdAction extends ActionBase {
  kind: 'leave-etcd';
  /** Address of the control plane's server. */
  node: string;
  /** The etcd member that leaves: the node's hostname. */
  member: string;
}

/** One changed field of a machine config, secrets already redacted. */
export interface ConfigFieldChange {
  path: string;
  before?: Json;
  after?: Json;
}

export interface ApplyConfigAction extends ActionBase {
  kind: 'apply-config';
  /** Address of the node's server. */
  node: string;
  /** `initial`: the first config, pushed to the node in maintenance mode. */
  mode: 'initial' | 'no-reboot' | 'reboot';
  changes: ConfigFieldChange[];
}

export interface BootstrapAction extends ActionBase {
  kind: 'bootstrap';
  node: string;
}

export interface WaitAction extends ActionBase {
  kind: 'wait';
  condition: string;
}

export type Action =
  | CreateAction
  | UpdateAction
  | ReplaceAction
  | DeleteAction
  | DrainAction
  | LeaveEtcdAction
  | ApplyConfigAction
  | BootstrapAction
  | WaitAction;

export interface ActionGraph {
  /** Topologically sorted; ties broken by id, so the same inputs give the same order. */
  actions: Action[];
  groups: Record<string, { limit: number }>;
}

export type ActionCounts = Record<ActionKind, number>;

/** The action of one kind. */
export type ActionOfKind<K extends ActionKind> = Extract<Action, { kind: K }>;

/** The resource kinds: actions on one resource of a `ResourceType`, dispatched by that type. */
export type ResourceAction = CreateAction | UpdateAction | ReplaceAction | DeleteAction;

// Both directions: every declared kind has an action shape, and every action shape is declared.
type UnshapedKind = Exclude<ActionKind, Action['kind']>;
type UndeclaredKind = Exclude<Action['kind'], ActionKind>;
const _kindsMatch: [UnshapedKind, UndeclaredKind] extends [never, never] ? true : false = true;
void _kindsMatch;

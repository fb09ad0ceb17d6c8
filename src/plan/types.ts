/**
 * The plan's vocabulary: resources (what should exist), observations (what does exist) and the
 * closed union of actions that turn one into the other. Plain data only: plans are saved to files
 * and hashed, so nothing here may hold functions or class instances.
 */
import type { Operation } from 'fast-json-patch';
import type { ComponentVersions, KubeComponent } from '../talos/config/kubernetes.js';

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
  | 'volume'
  | 'image';

/**
 * An addon's install record (`addon.<name>`: Ready once its checks pass) or one Kubernetes object
 * it renders (`addon.<name>.<kind>.<namespace>.<name>`), applied by server-side apply.
 */
export type AddonResourceType = 'addon';

/** Talos records, kept in the event log rather than in the cloud. */
export type TalosResourceType = 'talos_secrets' | 'talos_config' | 'talos_bootstrap' | 'talos_kubeconfig';

/** Kubernetes objects hk8s removes: the Node object of a server that is deleted or replaced. */
export type KubeResourceType = 'kube_node';

/** Every kind of object hk8s manages. Closed: adding one means handling it in every switch. */
export type ResourceType = HcloudResourceType | TalosResourceType | KubeResourceType | AddonResourceType;

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
  'upgrade',
  'wait',
  'upgrade-kubernetes',
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
  /** Everything the new resource is created with; `after` holds only the fields that are compared. */
  props: JsonObject;
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
  /** The server whose node joined etcd as this member; another server at the address is not it. */
  serverId?: string;
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
  /**
   * `initial`: the first config, pushed to the node in maintenance mode. `staged`: applied at the
   * node's next reboot, which its upgrade in the same plan brings.
   */
  mode: 'initial' | 'no-reboot' | 'staged' | 'reboot';
  changes: ConfigFieldChange[];
  /**
   * Components rendered at another version than `kubernetes.version`: the node is in a Kubernetes
   * upgrade, which moves those itself (`upgrade-kubernetes`), so this push keeps what the node runs.
   */
  kubernetes?: ComponentVersions;
}

export interface BootstrapAction extends ActionBase {
  kind: 'bootstrap';
  node: string;
}

/**
 * One step of a node's rolling Talos upgrade: cordon, drain, install `image`, reboot into `to`,
 * wait until the node reports it and is Ready, uncordon. A path across minors is several steps.
 */
export interface UpgradeAction extends ActionBase {
  kind: 'upgrade';
  /** Address of the node's server. */
  node: string;
  role: 'controlplane' | 'worker';
  /** The version the node runs before this step; null when it did not answer at plan time. */
  from: string | null;
  to: string;
  /** The installer image of `to` and the spec's schematic. */
  image: string;
}

export interface WaitAction extends ActionBase {
  kind: 'wait';
  condition: string;
  /** What the condition looks at, when the condition name alone does not say (the nodes to check). */
  detail?: JsonObject;
}

interface UpgradeKubernetesBase extends ActionBase {
  kind: 'upgrade-kubernetes';
  /** The version the component runs before the step (`v1.35.4`). */
  from: string;
  /** The version it runs after (`v1.36.3`). */
  to: string;
}

/**
 * One component of one node moves to `to` (talos.md §6.2): the node's config is pushed with NO_REBOOT
 * carrying `staged` (this component and those already done at `to`, the rest where they were), then
 * the step waits until the component runs `to` and is Ready (the node's pod, or its kubelet).
 */
export interface UpgradeComponentAction extends UpgradeKubernetesBase {
  component: KubeComponent;
  /** Address of the node's server. */
  node: string;
  /** Every component version the node's config names after this step. */
  staged: ComponentVersions;
}

/** An object of the bootstrap manifests whose container image an upgrade moves. */
export interface ManifestImage {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  container: string;
  image: string;
}

/** After every node: the bootstrap manifests (kube-proxy, CoreDNS) by server-side apply. */
export interface SyncManifestsAction extends UpgradeKubernetesBase {
  component: 'bootstrap-manifests';
  manifests: ManifestImage[];
}

export type UpgradeKubernetesAction = UpgradeComponentAction | SyncManifestsAction;

export type Action =
  | CreateAction
  | UpdateAction
  | ReplaceAction
  | DeleteAction
  | DrainAction
  | LeaveEtcdAction
  | ApplyConfigAction
  | BootstrapAction
  | UpgradeAction
  | WaitAction
  | UpgradeKubernetesAction;

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

/**
 * The narrow side-effect boundary of the Kubernetes provider: only the API calls hk8s makes, over
 * plain JSON-shaped objects (the subset of fields hk8s reads). The client-node adapter implements
 * it; tests implement it in memory. Everything else in this folder is logic on top of it.
 */

export interface CallOptions {
  signal?: AbortSignal;
}

/** A label map, as `metadata.labels`. */
export type Labels = Record<string, string>;

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid?: string;
  controller?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  labels?: Labels;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  /** RFC 3339; set once deletion has started. */
  deletionTimestamp?: string;
  generation?: number;
}

export interface Condition {
  type: string;
  /** `True`, `False` or `Unknown`; kept a string because the server is not bound to that set. */
  status: string;
  reason?: string;
  message?: string;
}

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

export interface NodeAddress {
  type: string;
  address: string;
}

export interface NodeObject {
  metadata: ObjectMeta;
  spec?: { unschedulable?: boolean; taints?: Taint[]; providerID?: string };
  status?: {
    conditions?: Condition[];
    addresses?: NodeAddress[];
    nodeInfo?: {
      kubeletVersion?: string;
      osImage?: string;
      kernelVersion?: string;
      containerRuntimeVersion?: string;
    };
  };
}

export interface PodVolume {
  name: string;
  emptyDir?: object;
}

export interface PodContainer {
  name: string;
  image?: string;
}

export interface PodObject {
  metadata: ObjectMeta & { namespace: string };
  spec?: { nodeName?: string; volumes?: PodVolume[]; containers?: PodContainer[] };
  status?: { phase?: string; conditions?: Condition[]; hostIP?: string };
}

export interface LabelSelectorRequirement {
  key: string;
  /** `In`, `NotIn`, `Exists`, `DoesNotExist`; anything else makes the selector match nothing. */
  operator: string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface PdbObject {
  metadata: ObjectMeta & { namespace: string };
  spec?: {
    minAvailable?: number | string;
    maxUnavailable?: number | string;
    /** Absent matches no pod; `{}` matches every pod of the namespace (policy/v1). */
    selector?: LabelSelector;
  };
  status?: {
    currentHealthy?: number;
    desiredHealthy?: number;
    expectedPods?: number;
    disruptionsAllowed?: number;
  };
}

/** Any object for server-side apply: apiVersion, kind and name are required. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export interface ServerVersion {
  major: string;
  minor: string;
  gitVersion: string;
  platform?: string;
}

/**
 * What the Eviction API said. A refusal the caller should retry (a budget that allows no disruption
 * now, a namespace that is terminating) is `blocked`, not an exception; other failures throw.
 */
export type EvictionOutcome =
  | { kind: 'evicted' }
  | { kind: 'gone' }
  | {
      kind: 'blocked';
      reason: 'disruption-budget' | 'namespace-terminating';
      message: string;
      retryAfterSeconds?: number;
    };

export interface EvictOptions {
  gracePeriodSeconds?: number;
  dryRun?: boolean;
}

export interface ApplyOptions {
  fieldManager: string;
  force: boolean;
  dryRun: boolean;
}

export interface DeleteObjectOptions {
  dryRun?: boolean;
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
}

export interface PodQuery {
  /** Pods bound to this node (`fieldSelector=spec.nodeName=<name>`). */
  nodeName?: string;
  /** Only this namespace; all namespaces when absent. */
  namespace?: string;
  labelSelector?: string;
}

export interface KubeApi {
  listNodes(query?: { labelSelector?: string }, call?: CallOptions): Promise<NodeObject[]>;
  /** Undefined when the node does not exist (404). */
  getNode(name: string, call?: CallOptions): Promise<NodeObject | undefined>;
  /** Merge-patches `spec.unschedulable` (false removes the field, as kubectl uncordon does). */
  setUnschedulable(name: string, unschedulable: boolean, call?: CallOptions): Promise<NodeObject>;
  deleteNode(name: string, call?: CallOptions): Promise<'deleted' | 'not-found'>;
  listPods(query?: PodQuery, call?: CallOptions): Promise<PodObject[]>;
  /** POST pods/{name}/eviction (policy/v1). */
  evictPod(
    pod: { namespace: string; name: string },
    options?: EvictOptions,
    call?: CallOptions,
  ): Promise<EvictionOutcome>;
  listPodDisruptionBudgets(namespace: string, call?: CallOptions): Promise<PdbObject[]>;
  /** Server-side apply of one object; the resource path comes from discovery. Returns the object as stored. */
  apply(object: KubeObject, options: ApplyOptions, call?: CallOptions): Promise<KubeObject>;
  deleteObject(
    ref: ObjectRef,
    options?: DeleteObjectOptions,
    call?: CallOptions,
  ): Promise<'deleted' | 'not-found'>;
  /** The object as stored (plain JSON, every field); undefined when it does not exist (404). */
  getObject(ref: ObjectRef, call?: CallOptions): Promise<KubeObject | undefined>;
  /** GET /version. */
  version(call?: CallOptions): Promise<ServerVersion>;
}

/** The public shapes of the Talos API client: options, requests and results. */

export type TalosClientOptions =
  | (CommonOptions & {
      /** `host:port` (port 50000 for Talos); the host must be in the server certificate's SANs. */
      endpoint: string;
      mode: 'mtls';
      /** PEM (or base64 of PEM, as in a talosconfig) of the OS CA, the client certificate and its key. */
      ca: string;
      cert: string;
      key: string;
    })
  | (CommonOptions & {
      endpoint: string;
      /** Maintenance mode only: TLS without verifying the server and without a client certificate. */
      mode: 'insecure';
    });

export interface CommonOptions {
  /** Per-method default deadlines in milliseconds, overriding the built-in ones. */
  timeouts?: Partial<Record<TalosMethod, number>>;
  retry?: Partial<RetryPolicy>;
}

export interface RetryPolicy {
  /** Total attempts for an idempotent call (1 = no retry). Default 4. */
  attempts: number;
  /** First backoff in ms, doubled each time, with jitter. Default 250. */
  baseDelayMs: number;
  /** Upper bound of one backoff. Default 4000. */
  maxDelayMs: number;
}

export interface TalosCallOptions {
  /** Deadline of each attempt in milliseconds. */
  timeoutMs?: number;
  /**
   * Target this node through the endpoint (sent as `nodes` metadata, as talosctl does): the endpoint
   * proxies the call and reports the node's failure in the reply's `metadata.error`.
   */
  node?: string;
  /** Attempts for idempotent calls, overriding the client's policy (1 = no retry). */
  attempts?: number;
}

export type TalosMethod =
  | 'ApplyConfiguration'
  | 'Bootstrap'
  | 'Kubeconfig'
  | 'Version'
  | 'EtcdMemberList'
  | 'EtcdStatus'
  | 'EtcdRemoveMemberByID'
  | 'EtcdLeaveCluster'
  | 'Upgrade'
  | 'Reboot'
  | 'Reset'
  | 'ServiceList'
  | 'HealthCheck'
  | 'ImagePull'
  | 'LifecycleUpgrade'
  | 'CosiGet'
  | 'CosiList';

export type ApplyMode = 'REBOOT' | 'AUTO' | 'NO_REBOOT' | 'STAGED' | 'TRY';

export interface ApplyConfigurationRequest {
  /** The whole multi-document machine config. */
  data: string | Uint8Array;
  /** Default AUTO (talosctl's default). */
  mode?: ApplyMode;
  dryRun?: boolean;
  /** TRY mode only: revert after this long (Talos's default 1 minute). */
  tryModeTimeoutMs?: number;
}

export interface ApplyConfigurationResult {
  /** The mode the node actually used (AUTO resolves to NO_REBOOT or REBOOT). */
  mode: ApplyMode;
  modeDetails: string;
  warnings: string[];
}

export interface TalosVersion {
  tag: string;
  sha: string;
  built: string;
  goVersion: string;
  os: string;
  arch: string;
  platform: { name: string; mode: string } | null;
  rbac: boolean;
}

export interface EtcdMember {
  /** The 64-bit member id as a decimal string. */
  id: string;
  hostname: string;
  peerUrls: string[];
  clientUrls: string[];
  isLearner: boolean;
}

/** What one etcd member says of itself and of the cluster's leader. */
export interface EtcdMemberStatus {
  /** The 64-bit member id as a decimal string. */
  memberId: string;
  /** The leader's member id as a decimal string; "0" while there is none. */
  leader: string;
  isLearner: boolean;
  errors: string[];
}

export interface UpgradeRequest {
  /** Installer image, e.g. `factory.talos.dev/hcloud-installer/<schematic>:v1.13.9`. */
  image: string;
  stage?: boolean;
  force?: boolean;
  /** Hidden in talosctl since 1.8; leave false. */
  preserve?: boolean;
  rebootMode?: 'DEFAULT' | 'POWERCYCLE';
}

export interface ResetRequest {
  /** Leave etcd and drain first. Default true. */
  graceful?: boolean;
  /** Reboot afterwards (into maintenance mode) instead of powering off. Default true. */
  reboot?: boolean;
  systemPartitionsToWipe?: { label: string; wipe: boolean }[];
  userDisksToWipe?: string[];
  mode?: 'ALL' | 'SYSTEM_DISK' | 'USER_DISKS';
}

export interface ServiceStatus {
  id: string;
  state: string;
  healthy: boolean;
  /** True when the service has no health check (or it has not run yet). */
  healthUnknown: boolean;
  lastMessage: string;
}

export interface HealthCheckRequest {
  /** How long the node keeps checking before it gives up. Default 20 minutes, as talosctl. */
  waitTimeoutMs?: number;
  controlPlaneNodes?: string[];
  workerNodes?: string[];
  forceEndpoint?: string;
  /** Called with each progress line as it arrives. */
  onProgress?: (message: string) => void;
}

export interface ImagePullRequest {
  imageRef: string;
  /** containerd namespace: `system` (default, as talosctl) or `cri`. */
  namespace?: 'system' | 'cri';
}

export interface LifecycleUpgradeRequest {
  /** The installer image, already pulled with `imagePull` into the same namespace. */
  imageName: string;
  namespace?: 'system' | 'cri';
  onProgress?: (message: string) => void;
}

export interface TalosClient {
  readonly endpoint: string;
  readonly mode: 'mtls' | 'insecure';
  applyConfiguration(
    request: ApplyConfigurationRequest,
    options?: TalosCallOptions,
  ): Promise<ApplyConfigurationResult>;
  /** Forms etcd on this control plane. A second call fails with grpcStatus ALREADY_EXISTS. */
  bootstrap(
    request?: { recoverEtcd?: boolean; recoverSkipHashCheck?: boolean },
    options?: TalosCallOptions,
  ): Promise<void>;
  /** The admin kubeconfig (YAML text), unpacked from the tar.gz the node streams. */
  kubeconfig(options?: TalosCallOptions): Promise<string>;
  version(options?: TalosCallOptions): Promise<TalosVersion>;
  etcdMemberList(request?: { queryLocal?: boolean }, options?: TalosCallOptions): Promise<EtcdMember[]>;
  /** EtcdStatus of the node's own member (control planes with etcd running). */
  etcdStatus(options?: TalosCallOptions): Promise<EtcdMemberStatus>;
  etcdRemoveMemberById(memberId: string | bigint, options?: TalosCallOptions): Promise<void>;
  etcdLeaveCluster(options?: TalosCallOptions): Promise<void>;
  /** Legacy MachineService.Upgrade (all versions; deprecated from 1.13): the node installs and reboots. */
  upgrade(request: UpgradeRequest, options?: TalosCallOptions): Promise<{ ack: string; actorId: string }>;
  reboot(
    request?: { mode?: 'DEFAULT' | 'POWERCYCLE' | 'FORCE' },
    options?: TalosCallOptions,
  ): Promise<{ actorId: string }>;
  reset(request?: ResetRequest, options?: TalosCallOptions): Promise<{ actorId: string }>;
  serviceList(options?: TalosCallOptions): Promise<ServiceStatus[]>;
  /** Streams the node-side health check; resolves with every progress line when all checks pass. */
  healthCheck(request?: HealthCheckRequest, options?: TalosCallOptions): Promise<string[]>;
  /** ImageService.Pull (1.13+): resolves with the pulled image's name. */
  imagePull(request: ImagePullRequest, options?: TalosCallOptions): Promise<string>;
  /**
   * LifecycleService.Upgrade (1.13+): installs to the inactive slot without rebooting (call `reboot`
   * after). Resolves with the progress lines; a non-zero exit code is raised as TalosApiError.
   */
  lifecycleUpgrade(request: LifecycleUpgradeRequest, options?: TalosCallOptions): Promise<string[]>;
  /**
   * COSI State.Get of one resource (sent to one node: `options.node` goes as `node` metadata);
   * undefined when the node has no such resource (NOT_FOUND).
   */
  cosiGet(ref: CosiRef & { id: string }, options?: TalosCallOptions): Promise<CosiResource | undefined>;
  /** COSI State.List: every resource of a type in a namespace (one node). */
  cosiList(ref: CosiRef, options?: TalosCallOptions): Promise<CosiResource[]>;
  /**
   * The Image Factory schematic id the node runs (its `schematic` ExtensionStatus), or null when it
   * reports none (an image not built by the Image Factory).
   */
  runningSchematic(options?: TalosCallOptions): Promise<string | null>;
  /** Closes the connection; calls after this fail. */
  close(): void;
}

/** Which COSI resources: a namespace (e.g. `runtime`) and a type (`ExtensionStatuses.runtime.talos.dev`). */
export interface CosiRef {
  namespace: string;
  type: string;
}

/** A COSI resource as Talos's API returns it: metadata and the spec as YAML. */
export interface CosiResource {
  namespace: string;
  type: string;
  id: string;
  version: string;
  phase: string;
  labels: Record<string, string>;
  /** The spec, rendered as YAML by the node (`yaml_spec`). */
  specYaml: string;
}

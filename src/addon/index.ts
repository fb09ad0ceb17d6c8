/**
 * The addon contract, published as `hk8s/addon`. An addon is an oclif plugin whose hook
 * `hk8s:addons` returns addon definitions. This module holds the contract's types, its version and
 * the kit of object builders; plugins import its types, and take the kit and zod at run time from
 * the hook's options, so a plugin runs against the host's exact zod and never has to resolve hk8s.
 *
 * Bump ADDON_CONTRACT_VERSION when a definition written for the old version would be misread.
 */
import type { z } from 'zod';
import type { AddonKit } from './kit.js';

export const ADDON_CONTRACT_VERSION = 1 as const;
export type AddonContractVersion = typeof ADDON_CONTRACT_VERSION;

export type { AddonKit, HelmChartOptions, InstallerJobOptions, NamespaceOptions } from './kit.js';
export { addonKit, KUBE_PRISM, HELM_CONTROLLER_IMAGES, LIFECYCLE_ANNOTATION } from './kit.js';

/** A Kubernetes object as an addon renders it: plain JSON, apiVersion, kind and metadata.name set. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** A secret hk8s generates once and keeps in its event log (like the Talos secrets). */
export interface SecretRequest {
  /** Lowercase, `[a-z0-9-]`; referenced from render as `context.secret(name)`. */
  name: string;
  /** Random bytes to draw. */
  bytes: number;
  encoding: 'hex' | 'base64';
}

export interface PoolInfo {
  name: string;
  count: number;
  serverType: string;
  location: string;
  labels: Readonly<Record<string, string>>;
  taints: ReadonlyArray<{ key: string; value?: string; effect: string }>;
}

export interface AutoscalerPoolInfo extends PoolInfo {
  min: number;
  max: number;
}

export interface RbacRuleInfo {
  apiGroups: readonly string[];
  resources: readonly string[];
  verbs: readonly string[];
}

/** `kubernetes.oidc` and `kubernetes.rbac` of the spec, for an addon that renders RBAC from them. */
export interface AccessInfo {
  readonly oidc: {
    readonly enabled: boolean;
    /** Prefixed to every group name the API server takes from the token. */
    readonly groupsPrefix: string;
    readonly groupMappings: ReadonlyArray<{
      group: string;
      clusterRoles: readonly string[];
      roles: ReadonlyArray<{ name: string; namespace: string }>;
    }>;
  };
  readonly rbac: {
    readonly roles: ReadonlyArray<{ name: string; namespace: string; rules: readonly RbacRuleInfo[] }>;
    readonly clusterRoles: ReadonlyArray<{ name: string; rules: readonly RbacRuleInfo[] }>;
  };
}

/** `loadBalancers.ingress`: the load balancer hk8s creates in front of node ports 30000/30001. */
export interface IngressLoadBalancerInfo {
  readonly enabled: boolean;
  readonly type: string;
  readonly algorithm: string;
  readonly publicNetwork: boolean;
  readonly healthCheck: { readonly interval: number; readonly retries: number; readonly timeout: number };
}

/**
 * What render sees of the cluster: plain, read-only data. Values known only once hk8s has created
 * them (the network id, generated secrets, the Hetzner token) are placeholders that hk8s replaces
 * when it applies; they may only be used as a whole string value.
 */
export interface ClusterContext<S> {
  readonly cluster: { readonly name: string; readonly domain: string };
  /** This addon's settings from `addons.<name>`, validated and defaulted by its schema. */
  readonly settings: S;
  readonly versions: { readonly talos: string; readonly kubernetes: string };
  readonly network: {
    readonly zone: string;
    readonly cidr: string;
    readonly nodeCidr: string;
    readonly podCidr: string;
    readonly serviceCidr: string;
    readonly loadBalancerCidr: string;
    /** Placeholder for the Hetzner network id. */
    readonly id: string;
  };
  readonly pools: {
    readonly controlPlane: readonly PoolInfo[];
    readonly workers: readonly PoolInfo[];
    readonly autoscaler: readonly AutoscalerPoolInfo[];
  };
  readonly nodes: { readonly controlPlanes: number; readonly workers: number };
  readonly endpoint: {
    /** The Kubernetes API URL clients use. */
    readonly url: string;
    /** The node-local API proxy every Talos node runs, reachable before any CNI. */
    readonly kubePrism: { readonly host: string; readonly port: number };
  };
  readonly loadBalancers: {
    readonly kubeApi: { readonly enabled: boolean; readonly type: string };
    readonly ingress: IngressLoadBalancerInfo;
  };
  /** OIDC group mappings and RBAC roles from the spec's `kubernetes` section. */
  readonly kubernetes: AccessInfo;
  /** Whether another addon is enabled (false when it is not installed). */
  enabled(addon: string): boolean;
  /** Placeholder for a secret this addon declared in `secrets`. */
  secret(name: string): string;
  /** Placeholders for what hk8s holds about Hetzner. */
  readonly hcloud: { readonly token: string };
}

export interface AddonDefinition<S extends { enabled: boolean } = { enabled: boolean }> {
  contract: AddonContractVersion;
  /** The key under `addons:` in hk8s.yaml: `[a-z][a-zA-Z0-9-]*`, at most 40 characters. */
  name: string;
  /** The addon's own version (the plugin's), shown by `hk8s status`. */
  version: string;
  description: string;
  /** Marks the addon as deprecated; shown whenever it is enabled. */
  deprecated?: string;
  /**
   * The settings under `addons.<name>`: must accept `{}` and give an object with `enabled`.
   * Build it with the `z` the hook receives.
   */
  settings: z.ZodType<S>;
  /** Addons this one needs Ready first (by name). */
  dependsOn?: readonly string[];
  /** Nodes cannot become Ready without it (CNI, cloud controllers): installed before everything else. */
  beforeReady?: boolean;
  /**
   * What the cluster's readiness gate may then expect of every node: `cni` (Ready), `cloud-controller`
   * (a providerID and no `node.cloudprovider.kubernetes.io/uninitialized` taint).
   */
  provides?: ReadonlyArray<'cni' | 'cloud-controller'>;
  secrets?: readonly SecretRequest[];
  /** Pure: the objects the addon wants in the cluster. Called only when the addon is enabled. */
  render(context: ClusterContext<S>): readonly KubeObject[];
}

/** What hk8s passes to the `hk8s:addons` hook. */
export type AddonHookOptions = {
  /** The contract version this hk8s speaks; a plugin for another version should return nothing. */
  contract: number;
  z: typeof z;
  kit: AddonKit;
};

/** What the hook returns. */
export type AddonHookResult = ReadonlyArray<AddonDefinition<any>>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The hook function a plugin exports as its `hk8s:addons` hook (oclif adds `config` to the options). */
export type AddonHook = (options: AddonHookOptions) => Promise<AddonHookResult>;

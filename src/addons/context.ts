/** The read-only cluster context an addon renders from: plain data out of the spec and its layout. */
import type {
  AccessInfo,
  AddonDefinition,
  ClusterContext,
  IngressLoadBalancerInfo,
  PoolInfo,
} from '../addon/index.js';
import { KUBE_PRISM } from '../addon/kit.js';
import type { NetworkLayout } from '../spec/network.js';
import type { Spec } from '../spec/schema.js';
import { LOCATION_ZONES } from '../spec/sections/common.js';
import { addonEnabled } from '../spec/sections/addons.js';
import { parseTaint } from '../talos/config/context.js';
import { HCLOUD_TOKEN_SECRET, addonSecretName, idPlaceholder, secretPlaceholder } from './placeholders.js';

export interface ContextInput {
  spec: Spec;
  layout: NetworkLayout;
  /** The Kubernetes API URL, once it is known. */
  endpoint?: string;
  /** Names of the addons that are loaded and enabled. */
  enabled: ReadonlySet<string>;
}

interface PoolLike {
  name: string;
  location: string;
  type: string;
  labels: Record<string, string>;
  taints: string[];
}

function poolInfo(pool: PoolLike, count: number): PoolInfo {
  return {
    name: pool.name,
    count,
    serverType: pool.type,
    location: pool.location,
    labels: { ...pool.labels },
    taints: pool.taints.map(parseTaint),
  };
}

function ingressLoadBalancer(spec: Spec): IngressLoadBalancerInfo {
  const lb = spec.loadBalancers.ingress;
  return {
    enabled: lb.enabled,
    type: lb.type,
    algorithm: lb.algorithm,
    publicNetwork: lb.publicNetwork,
    healthCheck: { ...lb.healthCheck },
  };
}

function access(spec: Spec): AccessInfo {
  const { oidc, rbac } = spec.kubernetes;
  return structuredClone({
    oidc: { enabled: oidc.enabled, groupsPrefix: oidc.groupsPrefix, groupMappings: oidc.groupMappings },
    rbac: { roles: rbac.roles, clusterRoles: rbac.clusterRoles },
  });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

export function clusterContext<S extends { enabled: boolean }>(
  input: ContextInput,
  definition: AddonDefinition<S>,
  settings: S,
): ClusterContext<S> {
  const { spec, layout } = input;
  const first = spec.controlPlane.pools[0];
  const declared = new Set((definition.secrets ?? []).map((s) => s.name));
  const data = {
    cluster: { name: spec.cluster.name, domain: spec.cluster.domain },
    settings: structuredClone(settings),
    versions: { talos: spec.talos.version, kubernetes: spec.kubernetes.version },
    network: {
      zone: spec.network.zone ?? (first ? (LOCATION_ZONES[first.location] ?? '') : ''),
      cidr: layout.networkCidr,
      nodeCidr: layout.nodeCidr,
      podCidr: layout.podCidr,
      serviceCidr: layout.serviceCidr,
      loadBalancerCidr: layout.loadBalancerSubnet,
      id: idPlaceholder('network.main'),
    },
    pools: {
      controlPlane: spec.controlPlane.pools.map((p) => poolInfo(p, p.count)),
      workers: spec.workers.pools.map((p) => poolInfo(p, p.count)),
      autoscaler: spec.autoscaler.pools.map((p) => ({ ...poolInfo(p, p.min), min: p.min, max: p.max })),
    },
    nodes: {
      controlPlanes: spec.controlPlane.pools.reduce((n, p) => n + p.count, 0),
      workers: spec.workers.pools.reduce((n, p) => n + p.count, 0),
    },
    endpoint: { url: input.endpoint ?? '', kubePrism: { ...KUBE_PRISM } },
    loadBalancers: {
      kubeApi: { enabled: spec.loadBalancers.kubeApi.enabled, type: spec.loadBalancers.kubeApi.type },
      ingress: ingressLoadBalancer(spec),
    },
    kubernetes: access(spec),
    hcloud: { token: secretPlaceholder(HCLOUD_TOKEN_SECRET) },
  };
  deepFreeze(data);
  return Object.freeze({
    ...data,
    enabled: (name: string) => input.enabled.has(name),
    secret: (name: string) => {
      if (!declared.has(name)) throw new Error(`secret ${name} is not declared in the addon's secrets`);
      return secretPlaceholder(addonSecretName(definition.name, name));
    },
  });
}

/** Whether the spec turns the addon on (its settings are already defaulted by its schema). */
export function isEnabled(spec: Spec, name: string): boolean {
  return addonEnabled(spec.addons, name, false);
}

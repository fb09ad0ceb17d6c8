/**
 * Where the Kubernetes API is reached, chosen as the reference module chooses it
 * (reference-module.md §1.4):
 * - inside the cluster (Talos `cluster.controlPlane.endpoint`): the kube-API load balancer's
 *   private IP → the private VIP → the first control plane's private IP;
 * - from outside (the kubeconfig, and hk8s's own Kubernetes client): `kubeApi.hostname` → the
 *   internal address when access is private → the load balancer's public IPv4 → the floating-IP
 *   VIP → the first control plane's public IPv4 → its IPv6.
 * A VIP or load balancer that is on but whose address is not known yet gives "unknown", never a
 * fallback to one node. Pure.
 */
import { endpointSwitches, controlPlaneCount } from '../../spec/endpoint.js';
import type { NetworkLayout } from '../../spec/network.js';
import type { Spec } from '../../spec/schema.js';
import { controlPlaneNodes, type ClusterFacts } from './nodes.js';

export const KUBE_API_PORT = 6443;

export type EndpointSource =
  'hostname' | 'load-balancer' | 'private-vip' | 'floating-ip' | 'private-ip' | 'node';

export interface Endpoint {
  host: string;
  source: EndpointSource;
  /** The server behind it when it is one node (`server.cp.1`). */
  node?: string;
}

export function endpointUrl(host: string): string {
  return `https://${host.includes(':') ? `[${host}]` : host}:${KUBE_API_PORT}`;
}

function firstControlPlane(spec: Spec): string | undefined {
  return controlPlaneNodes(spec)[0]?.server;
}

/** `cluster.controlPlane.endpoint`'s host. */
export function internalEndpoint(
  spec: Spec,
  layout: NetworkLayout,
  facts: ClusterFacts,
): Endpoint | undefined {
  const on = endpointSwitches(spec);
  if (on.loadBalancer) return { host: layout.kubeApiLoadBalancerIpv4, source: 'load-balancer' };
  if (on.privateVip) return { host: layout.controlPlanePrivateVipIpv4, source: 'private-vip' };
  const node = firstControlPlane(spec);
  const ip = node ? facts.servers[node]?.privateIp : undefined;
  return node && ip ? { host: ip, source: 'private-ip', node } : undefined;
}

/** The kubeconfig's server host. */
export function externalEndpoint(
  spec: Spec,
  layout: NetworkLayout,
  facts: ClusterFacts,
): Endpoint | undefined {
  const hostname = spec.loadBalancers.kubeApi.hostname;
  if (hostname) return { host: hostname, source: 'hostname' };
  if (spec.cluster.access === 'private') return internalEndpoint(spec, layout, facts);
  const on = endpointSwitches(spec);
  if (on.loadBalancerPublic) {
    return facts.kubeApiLbIpv4 ? { host: facts.kubeApiLbIpv4, source: 'load-balancer' } : undefined;
  }
  if (on.publicVip) {
    return facts.floatingIpv4 ? { host: facts.floatingIpv4, source: 'floating-ip' } : undefined;
  }
  const node = firstControlPlane(spec);
  const fact = node ? facts.servers[node] : undefined;
  const ip = fact?.ipv4 ?? fact?.ipv6;
  return node && ip ? { host: ip, source: 'node', node } : undefined;
}

/** Every address the API may be reached at, for the Talos and Kubernetes API certificates. */
export function certSans(spec: Spec, layout: NetworkLayout, facts: ClusterFacts): string[] {
  const names = new Set<string>(['127.0.0.1', '::1', 'localhost']);
  const on = endpointSwitches(spec);
  if (on.loadBalancer) names.add(layout.kubeApiLoadBalancerIpv4);
  if (facts.kubeApiLbIpv4) names.add(facts.kubeApiLbIpv4);
  if (on.privateVip) names.add(layout.controlPlanePrivateVipIpv4);
  if (on.publicVip && facts.floatingIpv4) names.add(facts.floatingIpv4);
  if (spec.loadBalancers.kubeApi.hostname) names.add(spec.loadBalancers.kubeApi.hostname);
  for (const node of controlPlaneNodes(spec)) {
    const fact = facts.servers[node.server];
    for (const ip of [fact?.ipv4, fact?.ipv6, fact?.privateIp]) if (ip) names.add(ip);
  }
  return [...names].sort();
}

/** A VIP Talos holds on the leading control plane: on the private link (alias IP) or the public one. */
export interface ControlPlaneVip {
  ip: string;
  link: 'private' | 'public';
}

/** The VIPs of the control planes' HCloudVIPConfig documents; undefined while an address is unknown. */
export function controlPlaneVips(
  spec: Spec,
  layout: NetworkLayout,
  facts: ClusterFacts,
): ControlPlaneVip[] | undefined {
  const on = endpointSwitches(spec);
  const vips: ControlPlaneVip[] = [];
  if (on.privateVip) vips.push({ ip: layout.controlPlanePrivateVipIpv4, link: 'private' });
  if (on.publicVip) {
    if (!facts.floatingIpv4) return undefined;
    vips.push({ ip: facts.floatingIpv4, link: 'public' });
  }
  return vips;
}

/** Where the spec, by its switches alone, leaves one node as an endpoint of a multi-node control plane. */
export interface SingleNodeEndpoint {
  endpoint: 'external' | 'internal';
  node: string;
  /** The fields that would give it a VIP or load balancer. */
  fix: string;
}

export function singleNodeEndpoints(spec: Spec): SingleNodeEndpoint[] {
  const node = firstControlPlane(spec);
  if (!node || controlPlaneCount(spec) < 2) return [];
  const on = endpointSwitches(spec);
  const out: SingleNodeEndpoint[] = [];
  const internalSingle = !on.loadBalancer && !on.privateVip;
  const externalSingle =
    spec.loadBalancers.kubeApi.hostname === undefined &&
    (spec.cluster.access === 'private' ? internalSingle : !on.loadBalancerPublic && !on.publicVip);
  if (externalSingle) {
    out.push({
      endpoint: 'external',
      node,
      fix: 'controlPlane.publicVipIpv4.enabled or loadBalancers.kubeApi.enabled',
    });
  }
  if (internalSingle) {
    out.push({
      endpoint: 'internal',
      node,
      fix: 'controlPlane.privateVipIpv4.enabled or loadBalancers.kubeApi.enabled',
    });
  }
  return out;
}

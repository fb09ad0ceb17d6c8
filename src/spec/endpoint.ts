/**
 * Which control-plane endpoint features a spec turns on, with the defaults resolved in one place
 * (docs/spec.md, "Control-plane endpoint"). A structural input, so the Hetzner derivation (which
 * sees the spec through `InfraSpec`) and the Talos planner agree.
 */
export interface EndpointSpec {
  cluster: { access: 'public' | 'private' };
  controlPlane: {
    pools: readonly { count: number }[];
    publicVipIpv4: { enabled?: boolean; existingId?: number };
    privateVipIpv4: { enabled: boolean };
  };
  loadBalancers: { kubeApi: { enabled: boolean; publicNetwork?: boolean; hostname?: string } };
}

export interface EndpointSwitches {
  /** The alias-IP VIP in the control-plane subnet, written as HCloudVIPConfig on eth1. */
  privateVip: boolean;
  /** The floating IPv4 Talos moves between control planes (HCloudVIPConfig on eth0). */
  publicVip: boolean;
  /** `publicVip` came from the default rule, not from the spec. */
  publicVipDefaulted: boolean;
  /** The kube-API load balancer exists. */
  loadBalancer: boolean;
  /** …and has a public interface. */
  loadBalancerPublic: boolean;
}

export function controlPlaneCount(spec: EndpointSpec): number {
  return spec.controlPlane.pools.reduce((sum, pool) => sum + pool.count, 0);
}

/** The kube-API load balancer's public interface: the spec's choice, else on when access is public. */
export function kubeApiLoadBalancerPublic(spec: EndpointSpec): boolean {
  return spec.loadBalancers.kubeApi.publicNetwork ?? spec.cluster.access === 'public';
}

/**
 * The default for the public VIP: on when more than one control plane would otherwise leave the
 * kubeconfig pointing at a single node, i.e. with public access and no public load balancer.
 */
export function endpointSwitches(spec: EndpointSpec): EndpointSwitches {
  const lb = spec.loadBalancers.kubeApi;
  const loadBalancerPublic = lb.enabled && kubeApiLoadBalancerPublic(spec);
  const vip = spec.controlPlane.publicVipIpv4;
  const byDefault =
    vip.existingId !== undefined ||
    (controlPlaneCount(spec) > 1 && spec.cluster.access === 'public' && !loadBalancerPublic);
  return {
    privateVip: spec.controlPlane.privateVipIpv4.enabled,
    publicVip: vip.enabled ?? byDefault,
    publicVipDefaulted: vip.enabled === undefined,
    loadBalancer: lb.enabled,
    loadBalancerPublic,
  };
}

/**
 * The cluster's private address plan, computed the way the reference module does (§1.2, "Network math")
 * so that clusters stay compatible: for 10.0.0.0/16 the nodes get 10.0.64.0/19 (control-plane and
 * load-balancer /25s in its lower half, shared worker and autoscaler /25s in its upper half),
 * services 10.0.96.0/19 and pods 10.0.128.0/17.
 */
import {
  type Ipv4Cidr,
  cidrContains,
  cidrHost,
  cidrOverlaps,
  cidrSubnet,
  formatCidr,
  formatIpv4,
  parseIpv4Cidr,
  subnetCount,
} from './cidr.js';
import type { Spec } from './schema.js';

export type SubnetRole = 'control-plane' | 'load-balancer' | 'worker' | 'autoscaler';

export interface NetworkSubnet {
  /** `control-plane`, `load-balancer`, `worker`, `autoscaler`, or `worker-<pool>` / `autoscaler-<pool>` when pinned. */
  name: string;
  role: SubnetRole;
  ipRange: string;
  /** Set for a pool's legacy pinned subnet. */
  pool?: string;
}

export interface NetworkLayout {
  networkCidr: string;
  /** The network's gateway, its first host address. */
  gateway: string;
  nodeCidr: string;
  nodeSubnetMaskSize: number;
  serviceCidr: string;
  podCidr: string;
  nativeRoutingCidr: string;
  /** Shared subnets first (control-plane, load-balancer, worker, autoscaler), then pinned pool subnets. */
  subnets: NetworkSubnet[];
  controlPlaneSubnet: string;
  loadBalancerSubnet: string;
  workerSubnet: string;
  autoscalerSubnet: string;
  /** Every legacy pinned /25 slot a pool may name in its `subnet`. */
  pinnedSubnetSlots: string[];
  /** Reserved addresses; whether each feature is on is in the spec. */
  controlPlanePrivateVipIpv4: string;
  kubeApiLoadBalancerIpv4: string;
  ingressLoadBalancerIpv4: string;
  /** Ingress load-balancer pool name → the private IPv4 of each of its load balancers. */
  ingressPoolIpv4s: Record<string, string[]>;
}

/** The part of the plan that depends only on the network section. */
export interface AddressPlan {
  network: Ipv4Cidr;
  node: Ipv4Cidr;
  service: Ipv4Cidr;
  pod: Ipv4Cidr;
  nativeRouting: Ipv4Cidr;
  maskSize: number;
  controlPlane: Ipv4Cidr;
  loadBalancer: Ipv4Cidr;
  worker: Ipv4Cidr;
  autoscaler: Ipv4Cidr;
  pinnedSlots: Ipv4Cidr[];
}

export type AddressPlanResult =
  { ok: true; plan: AddressPlan } | { ok: false; field: string; message: string };

type NetworkInput = Pick<
  Spec['network'],
  | 'ipv4Cidr'
  | 'nodeIpv4Cidr'
  | 'nodeSubnetMaskSize'
  | 'serviceIpv4Cidr'
  | 'podIpv4Cidr'
  | 'nativeRoutingIpv4Cidr'
>;

const SERVICE_MAX_PREFIX = 12;

function fail(field: string, message: string): AddressPlanResult {
  return { ok: false, field, message };
}

/** Pure: the address plan, or the first reason the network settings cannot hold one. */
export function planAddresses(input: NetworkInput): AddressPlanResult {
  const network = parseIpv4Cidr(input.ipv4Cidr);
  if (!network) return fail('ipv4Cidr', `${input.ipv4Cidr} is not an IPv4 CIDR`);
  if (network.prefix > 24) {
    return fail(
      'ipv4Cidr',
      `the network must be /24 or larger to hold nodes, services and pods; it is /${network.prefix}`,
    );
  }
  const defaultService = {
    address: cidrSubnet(network, 3, 3).address,
    prefix: Math.max(network.prefix + 3, SERVICE_MAX_PREFIX),
  };
  const candidates = {
    nodeIpv4Cidr:
      input.nodeIpv4Cidr === undefined ? cidrSubnet(network, 3, 2) : parseIpv4Cidr(input.nodeIpv4Cidr),
    podIpv4Cidr:
      input.podIpv4Cidr === undefined ? cidrSubnet(network, 1, 1) : parseIpv4Cidr(input.podIpv4Cidr),
    serviceIpv4Cidr:
      input.serviceIpv4Cidr === undefined ? defaultService : parseIpv4Cidr(input.serviceIpv4Cidr),
    nativeRoutingIpv4Cidr:
      input.nativeRoutingIpv4Cidr === undefined ? network : parseIpv4Cidr(input.nativeRoutingIpv4Cidr),
  };
  const {
    nodeIpv4Cidr: node,
    podIpv4Cidr: pod,
    serviceIpv4Cidr: service,
    nativeRoutingIpv4Cidr: nativeRouting,
  } = candidates;
  if (!node || !pod || !service || !nativeRouting) {
    const field = Object.entries(candidates).find(([, value]) => value === undefined)?.[0] ?? 'ipv4Cidr';
    return fail(field, `${input[field as keyof NetworkInput]} is not an IPv4 CIDR`);
  }

  if (!cidrContains(network, node)) {
    return fail(
      'nodeIpv4Cidr',
      `the node range ${formatCidr(node)} must lie inside the network ${formatCidr(network)}`,
    );
  }
  if (pod.prefix > 24) {
    return fail(
      'podIpv4Cidr',
      `the pod range must be /24 or larger (each node gets a /24); it is /${pod.prefix}`,
    );
  }
  if (service.prefix < SERVICE_MAX_PREFIX) {
    return fail('serviceIpv4Cidr', `the service range must be /12 or smaller; it is /${service.prefix}`);
  }
  if (cidrOverlaps(node, pod)) {
    return fail(
      'podIpv4Cidr',
      `the pod range ${formatCidr(pod)} overlaps the node range ${formatCidr(node)}`,
    );
  }
  if (cidrOverlaps(service, node) || cidrOverlaps(service, pod)) {
    return fail('serviceIpv4Cidr', `the service range ${formatCidr(service)} overlaps the node or pod range`);
  }
  if (!cidrContains(nativeRouting, pod)) {
    return fail(
      'nativeRoutingIpv4Cidr',
      `the native-routing range ${formatCidr(nativeRouting)} must contain the pod range ${formatCidr(pod)}`,
    );
  }

  const maskSize = input.nodeSubnetMaskSize ?? 32 - (24 - pod.prefix);
  // The module moves the control-plane subnet up one slot when the node range starts at the
  // network address, so that the subnet never holds the network's gateway.
  const shift = node.address === network.address ? 1 : 0;
  const internalHalf = node.prefix < 32 ? cidrSubnet(node, 1, 0) : undefined;
  const workerHalf = node.prefix < 32 ? cidrSubnet(node, 1, 1) : undefined;
  if (!internalHalf || !workerHalf || maskSize > 29 || subnetCount(internalHalf, maskSize) < 2 + shift) {
    return fail(
      'nodeSubnetMaskSize',
      `node subnets of /${maskSize} do not fit the node range ${formatCidr(node)}: each half of it must hold at least ${2 + shift} of them, and they can be at most /29`,
    );
  }
  const bits = maskSize - internalHalf.prefix;
  const slots = subnetCount(internalHalf, maskSize);
  const pinnedSlots: Ipv4Cidr[] = [];
  for (let index = shift + 2; index < slots; index++) pinnedSlots.push(cidrSubnet(internalHalf, bits, index));
  return {
    ok: true,
    plan: {
      network,
      node,
      service,
      pod,
      nativeRouting,
      maskSize,
      controlPlane: cidrSubnet(internalHalf, bits, shift),
      loadBalancer: cidrSubnet(internalHalf, bits, shift + 1),
      worker: cidrSubnet(workerHalf, bits, 0),
      autoscaler: cidrSubnet(workerHalf, bits, 1),
      pinnedSlots,
    },
  };
}

/** The full layout of a validated spec. Throws (a bug) if the spec was not validated first. */
export function resolveNetworkLayout(spec: Spec): NetworkLayout {
  const result = planAddresses(spec.network);
  if (!result.ok) throw new Error(`network.${result.field}: ${result.message} (was the spec validated?)`);
  const { plan } = result;
  const pinned: NetworkSubnet[] = [
    ...spec.workers.pools.flatMap((pool) =>
      pool.subnet
        ? [{ name: `worker-${pool.name}`, role: 'worker' as const, ipRange: pool.subnet, pool: pool.name }]
        : [],
    ),
    ...spec.autoscaler.pools.flatMap((pool) =>
      pool.subnet
        ? [
            {
              name: `autoscaler-${pool.name}`,
              role: 'autoscaler' as const,
              ipRange: pool.subnet,
              pool: pool.name,
            },
          ]
        : [],
    ),
  ];
  const ingressPoolIpv4s: Record<string, string[]> = {};
  let offset = -5;
  for (const pool of spec.loadBalancers.ingress.pools) {
    const addresses: string[] = [];
    for (let index = 0; index < pool.count; index++) addresses.push(cidrHost(plan.loadBalancer, offset--));
    ingressPoolIpv4s[pool.name] = addresses;
  }
  return {
    networkCidr: formatCidr(plan.network),
    gateway: formatIpv4(plan.network.address + 1),
    nodeCidr: formatCidr(plan.node),
    nodeSubnetMaskSize: plan.maskSize,
    serviceCidr: formatCidr(plan.service),
    podCidr: formatCidr(plan.pod),
    nativeRoutingCidr: formatCidr(plan.nativeRouting),
    subnets: [
      { name: 'control-plane', role: 'control-plane', ipRange: formatCidr(plan.controlPlane) },
      { name: 'load-balancer', role: 'load-balancer', ipRange: formatCidr(plan.loadBalancer) },
      { name: 'worker', role: 'worker', ipRange: formatCidr(plan.worker) },
      { name: 'autoscaler', role: 'autoscaler', ipRange: formatCidr(plan.autoscaler) },
      ...pinned,
    ],
    controlPlaneSubnet: formatCidr(plan.controlPlane),
    loadBalancerSubnet: formatCidr(plan.loadBalancer),
    workerSubnet: formatCidr(plan.worker),
    autoscalerSubnet: formatCidr(plan.autoscaler),
    pinnedSubnetSlots: plan.pinnedSlots.map(formatCidr),
    controlPlanePrivateVipIpv4: cidrHost(plan.controlPlane, -2),
    kubeApiLoadBalancerIpv4: cidrHost(plan.loadBalancer, -2),
    ingressLoadBalancerIpv4: cidrHost(plan.loadBalancer, -4),
    ingressPoolIpv4s,
  };
}

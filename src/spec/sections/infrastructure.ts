/** The Hetzner-side sections: cluster, hcloud, network, firewall and load balancers. */
import { z } from 'zod';
import {
  HttpUrl,
  IpOrCidrString,
  Ipv4CidrString,
  LOAD_BALANCER_ALGORITHMS,
  LOAD_BALANCER_TYPES,
  NETWORK_ZONES,
  Rdns,
  secretSource,
  strictObject,
} from './common.js';
import { IngressLoadBalancerPoolSchema } from './pools.js';

export const CLUSTER_NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;
const DNS_DOMAIN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

export const ClusterSchema = strictObject({
  name: z
    .string()
    .regex(CLUSTER_NAME_PATTERN, {
      message: 'must be 1 to 32 lowercase letters, digits and -, starting and ending with a letter or digit',
    })
    .describe('Cluster name: prefix and label of every resource. Cannot be changed later.'),
  domain: z
    .string()
    .regex(DNS_DOMAIN, { message: 'must be a DNS domain such as cluster.local' })
    .default('cluster.local')
    .describe('Kubernetes DNS domain'),
  access: z
    .enum(['public', 'private'])
    .default('public')
    .describe('How hk8s reaches the Talos and Kubernetes APIs: public IPs, or private IPs you route to'),
  deleteProtection: z
    .boolean()
    .default(true)
    .describe('Delete protection on network, servers, load balancers and floating IP'),
  allowSchedulingOnControlPlanes: z
    .boolean()
    .optional()
    .describe('Run workloads on control planes (default: only when there are no untainted workers)'),
  healthcheck: z.boolean().default(true).describe('Wait for Talos and Kubernetes health after changes'),
  kubeconfigPath: z.string().min(1).optional().describe('Also write the kubeconfig to this file'),
  talosconfigPath: z.string().min(1).optional().describe('Also write the talosconfig to this file'),
  rdns: Rdns.optional(),
});

export const TokenSource = secretSource('the Hetzner Cloud API token', 'token', 'HCLOUD_TOKEN').describe(
  'Where the Hetzner Cloud API token comes from',
);

export const HcloudSchema = strictObject({
  token: TokenSource.default({ env: 'HCLOUD_TOKEN' }),
  endpoint: HttpUrl.optional().describe('Hetzner Cloud API base URL (the sandbox sets this)'),
}).prefault({});

export const NetworkSchema = strictObject({
  ipv4Cidr: Ipv4CidrString.default('10.0.0.0/16').describe('Private network range'),
  nodeIpv4Cidr: Ipv4CidrString.optional().describe(
    'Node range (default: cidrsubnet(network, 3, 2) = 10.0.64.0/19)',
  ),
  nodeSubnetMaskSize: z
    .int()
    .min(8)
    .max(29)
    .optional()
    .describe('Prefix length of each node subnet (default: 32 - (24 - pod prefix) = 25)'),
  serviceIpv4Cidr: Ipv4CidrString.optional().describe(
    'Service range (default: 4th eighth of the network = 10.0.96.0/19)',
  ),
  podIpv4Cidr: Ipv4CidrString.optional().describe(
    'Pod range, one /24 per node (default: upper half = 10.0.128.0/17)',
  ),
  nativeRoutingIpv4Cidr: Ipv4CidrString.optional().describe(
    'Cilium native-routing range (default: the network)',
  ),
  existingId: z.int().positive().optional().describe('Use this existing network; set ipv4Cidr to its range'),
  zone: z
    .enum(NETWORK_ZONES)
    .optional()
    .describe('Network zone (default: the zone of the first control-plane pool)'),
}).prefault({});

const FirewallRule = strictObject({
  description: z.string().max(255).optional(),
  direction: z.enum(['in', 'out']),
  protocol: z.enum(['tcp', 'udp', 'icmp', 'gre', 'esp']),
  port: z.string().optional().describe('Port or range (80, 30000-32767 or any); only for tcp and udp'),
  sourceIps: z.array(IpOrCidrString).default([]).describe('For in rules; empty means everywhere'),
  destinationIps: z.array(IpOrCidrString).default([]).describe('For out rules; empty means everywhere'),
});

export const FirewallSchema = strictObject({
  apiSources: z
    .array(IpOrCidrString)
    .optional()
    .describe('Who may reach the Kube API (6443) and Talos API (50000)'),
  kubeApiSources: z.array(IpOrCidrString).optional().describe('Overrides apiSources for 6443'),
  talosApiSources: z.array(IpOrCidrString).optional().describe('Overrides apiSources for 50000'),
  useCurrentIpv4: z
    .boolean()
    .optional()
    .describe('Allow your current public IPv4 (default: when access is public and no sources are given)'),
  useCurrentIpv6: z.boolean().optional().describe('Allow your current public IPv6 /64, when you have one'),
  existingId: z.int().positive().optional().describe('Attach this externally managed firewall instead'),
  extraRules: z.array(FirewallRule).default([]),
}).prefault({});

const HealthCheck = strictObject({
  interval: z.int().min(3).max(60).default(3).describe('Seconds between checks (3-60)'),
  retries: z.int().min(0).max(5).default(3).describe('Failed checks before a target is unhealthy (0-5)'),
  timeout: z.int().min(1).max(60).default(3).describe('Seconds per check, at most the interval'),
}).prefault({});

export const LoadBalancersSchema = strictObject({
  kubeApi: strictObject({
    enabled: z.boolean().default(false).describe('Create <cluster>-kube-api in front of the control planes'),
    type: z.enum(LOAD_BALANCER_TYPES).default('lb11'),
    publicNetwork: z.boolean().optional().describe('Public interface (default: when access is public)'),
    algorithm: z.enum(LOAD_BALANCER_ALGORITHMS).default('round_robin'),
    hostname: z
      .string()
      .min(1)
      .optional()
      .describe('DNS name of the Kube API: added to certificates and kubeconfig'),
  }).prefault({}),
  ingress: strictObject({
    enabled: z.boolean().default(false).describe('Create <cluster>-ingress for the ingress controller'),
    type: z.enum(LOAD_BALANCER_TYPES).default('lb11'),
    algorithm: z.enum(LOAD_BALANCER_ALGORITHMS).default('least_connections'),
    publicNetwork: z.boolean().default(true),
    healthCheck: HealthCheck,
    rdns: Rdns.optional(),
    pools: z
      .array(IngressLoadBalancerPoolSchema)
      .default([])
      .describe('hk8s-managed ingress load-balancer pools'),
  }).prefault({}),
}).prefault({});

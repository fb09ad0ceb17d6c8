/** Node pools: control plane, workers, autoscaler groups, bare metal and ingress load-balancer pools. */
import { z } from 'zod';
import {
  Annotations,
  ConfigPatches,
  HelmChart,
  Ipv4CidrString,
  LOAD_BALANCER_ALGORITHMS,
  LOAD_BALANCER_TYPES,
  Labels,
  Location,
  Rdns,
  Taints,
  strictObject,
} from './common.js';

export const POOL_NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

export const PoolName = z
  .string()
  .regex(POOL_NAME_PATTERN, {
    message: 'must be lowercase letters, digits and -, starting and ending with a letter or digit',
  })
  .describe('Pool name; servers are named <cluster>-<pool>-<n>');

export const ServerType = z
  .string()
  .regex(/^[a-z][a-z0-9-]*$/, { message: 'must be a Hetzner server type such as cpx22, cax11 or ccx13' })
  .describe('Hetzner server type, e.g. cpx22 (x86) or cax11 (Arm)');

const nodePoolShape = {
  name: PoolName,
  location: Location,
  type: ServerType,
  count: z.int().min(0).max(100).default(1).describe('Number of servers in the pool'),
  labels: Labels.describe('Kubernetes node labels (also set on the Hetzner servers)'),
  annotations: Annotations.describe('Kubernetes node annotations'),
  taints: Taints,
  backups: z.boolean().default(false).describe('Enable Hetzner backups on the servers'),
  keepDisk: z.boolean().default(false).describe('Keep the disk size when changing to a larger server type'),
  placementGroup: z.boolean().default(true).describe('Spread the servers over hosts with a placement group'),
  rdns: Rdns.optional(),
  publicIpv4: z.boolean().optional().describe('Give the servers a public IPv4 (default: talos.publicIpv4)'),
  publicIpv6: z.boolean().optional().describe('Give the servers a public IPv6 (default: talos.publicIpv6)'),
};

export const ControlPlanePoolSchema = strictObject(nodePoolShape).describe('A pool of control-plane servers');

/**
 * How a worker pool rolls through a Talos upgrade. Control planes always go one at a time (etcd
 * quorum), so only worker pools have these.
 */
export const PoolUpgradeSchema = strictObject({
  maxUnavailable: z
    .int()
    .min(1, { message: 'must be at least 1: an upgrade takes nodes down one or more at a time' })
    .max(100)
    .default(1)
    .describe('Nodes of the pool upgraded (cordoned, drained, rebooting) at once'),
  maxSurge: z
    .int()
    .min(0)
    .max(100)
    .default(0)
    .describe(
      'Extra servers (`<pool>-s<k>`) created before the pool upgrades or has nodes replaced, removed once it is done',
    ),
})
  .prefault({})
  .describe('Rolling Talos upgrades of this pool');

export const WorkerPoolSchema = strictObject({
  ...nodePoolShape,
  upgrade: PoolUpgradeSchema,
  subnet: Ipv4CidrString.optional().describe(
    'Legacy pinned /25 subnet for this pool (one of the reserved slots, e.g. 10.0.65.0/25); omit to use the shared worker subnet',
  ),
}).describe('A pool of worker servers');

export const AutoscalerPoolSchema = strictObject({
  name: PoolName,
  location: Location,
  type: ServerType,
  min: z.int().min(0).default(0).describe('Minimum number of nodes'),
  max: z.int().min(0).describe('Maximum number of nodes'),
  labels: Labels,
  annotations: Annotations,
  taints: Taints,
  subnet: Ipv4CidrString.optional().describe(
    'Legacy pinned /25 subnet; omit to use the shared autoscaler subnet',
  ),
}).describe('A node group managed by the cluster autoscaler (<cluster>-<pool>)');

const BareMetalServer = strictObject({
  number: z.int().positive().describe('Hetzner Robot server number'),
  privateIpv4: z.string().describe('Private IPv4 on the vSwitch subnet'),
  installDisk: z.string().optional().describe('Install disk, a /dev/disk/by-id name'),
});

export const BareMetalPoolSchema = strictObject({
  name: PoolName,
  architecture: z.enum(['amd64', 'arm64']).default('amd64'),
  servers: z.array(BareMetalServer).default([]),
  labels: Labels,
  annotations: Annotations,
  taints: Taints,
  rdns: Rdns.optional(),
});

export const IngressLoadBalancerPoolSchema = strictObject({
  name: PoolName,
  location: Location,
  type: z
    .enum(LOAD_BALANCER_TYPES)
    .optional()
    .describe('Load balancer type (default: loadBalancers.ingress.type)'),
  count: z.int().min(1).default(1),
  labels: Labels,
  targetLabelSelector: z.array(z.string()).default([]).describe('Extra label selectors for the targets'),
  localTraffic: z.boolean().default(false).describe('Only target nodes in the same location'),
  algorithm: z.enum(LOAD_BALANCER_ALGORITHMS).optional(),
  publicNetwork: z.boolean().optional(),
  rdns: Rdns.optional(),
});

export const ControlPlaneSchema = strictObject({
  pools: z
    .array(ControlPlanePoolSchema)
    .min(1, { message: 'needs at least one control-plane pool' })
    .describe('Control-plane pools; the first pool decides the network zone and load-balancer location'),
  configPatches: ConfigPatches.describe('Talos config patches for control-plane nodes'),
  publicVipIpv4: strictObject({
    enabled: z
      .boolean()
      .optional()
      .describe(
        'A floating IPv4 that Talos moves between control planes, used by the kubeconfig (default: on with more than one control plane, unless a public Kube API load balancer is the endpoint)',
      ),
    existingId: z
      .int()
      .positive()
      .optional()
      .describe(
        'Adopt this existing floating IP instead of creating one (it is given back, not deleted, on destroy)',
      ),
  }).prefault({}),
  privateVipIpv4: strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe(
        'Private alias VIP (second-to-last address of the control-plane subnet): the cluster endpoint inside the network',
      ),
  }).prefault({}),
});

export const WorkersSchema = strictObject({
  pools: z.array(WorkerPoolSchema).default([]),
  configPatches: ConfigPatches.describe('Talos config patches for worker nodes'),
}).prefault({});

export const AutoscalerSchema = strictObject({
  enabled: z
    .boolean()
    .default(false)
    .describe('Run the Kubernetes cluster autoscaler (required when pools are set)'),
  pools: z.array(AutoscalerPoolSchema).default([]),
  configPatches: ConfigPatches.describe('Talos config patches for autoscaled nodes'),
  discovery: z.boolean().default(true).describe('Find autoscaled nodes to upgrade and re-configure them'),
  cleanupOnDestroy: z
    .boolean()
    .default(false)
    .describe('On destroy, delete the servers the autoscaler created'),
  imageTag: z.string().min(1).default('v1.34.5').describe('cluster-autoscaler image tag'),
  chart: HelmChart('https://kubernetes.github.io/autoscaler', 'cluster-autoscaler', '9.53.0'),
}).prefault({});

export const BareMetalSchema = strictObject({
  pools: z
    .array(BareMetalPoolSchema)
    .default([])
    .describe('Hetzner Robot dedicated servers: not supported yet'),
  configPatches: ConfigPatches,
}).prefault({});

export type ControlPlanePool = z.output<typeof ControlPlanePoolSchema>;
export type WorkerPool = z.output<typeof WorkerPoolSchema>;
export type NodePool = ControlPlanePool | WorkerPool;
export type AutoscalerPool = z.output<typeof AutoscalerPoolSchema>;
export type BareMetalPool = z.output<typeof BareMetalPoolSchema>;
export type IngressLoadBalancerPool = z.output<typeof IngressLoadBalancerPoolSchema>;

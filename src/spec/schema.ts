/**
 * The desired spec (`hk8s.yaml`): a zod schema with the reference module's defaults. Field shapes live
 * in `sections/`; rules that span fields live in `rules.ts`.
 */
import { z } from 'zod';
import { strictObject } from './sections/common.js';
import {
  ClusterSchema,
  FirewallSchema,
  HcloudSchema,
  LoadBalancersSchema,
  NetworkSchema,
} from './sections/infrastructure.js';
import { AutoscalerSchema, BareMetalSchema, ControlPlaneSchema, WorkersSchema } from './sections/pools.js';
import { KubernetesSchema, TalosSchema } from './sections/talos.js';
import { AddonsSchema, addonsSchemaFor, type AddonSettingsSchemas } from './sections/addons.js';
import { checkSpecRules } from './rules.js';

export const API_VERSION = 'hk8s.io/v1alpha1';

export const SpecShapeSchema = strictObject({
  $schema: z.string().optional().describe('JSON Schema for editors; ignored by hk8s'),
  apiVersion: z.literal(API_VERSION).default(API_VERSION).describe('Spec format version'),
  cluster: ClusterSchema.describe('The cluster: name, domain, access and safety switches'),
  hcloud: HcloudSchema.describe('Hetzner Cloud API access'),
  network: NetworkSchema.describe('Private network and address plan'),
  firewall: FirewallSchema.describe('The cluster firewall'),
  controlPlane: ControlPlaneSchema.describe('Control-plane pools and the Kube API endpoint'),
  workers: WorkersSchema.describe('Worker pools'),
  autoscaler: AutoscalerSchema.describe('Cluster autoscaler node groups'),
  bareMetal: BareMetalSchema.describe('Hetzner Robot dedicated servers (not supported yet)'),
  loadBalancers: LoadBalancersSchema.describe('Kube API and ingress load balancers'),
  talos: TalosSchema.describe('Talos Linux image, machine configuration and upgrades'),
  kubernetes: KubernetesSchema.describe('Kubernetes version and component settings'),
  addons: AddonsSchema,
});

const withRules = <T extends typeof SpecShapeSchema>(shape: T) =>
  shape
    .superRefine((spec, context) =>
      checkSpecRules(spec as Spec, (path, message) => context.addIssue({ code: 'custom', path, message })),
    )
    .meta({
      title: 'hk8s cluster spec',
      description: 'The Kubernetes cluster hk8s keeps on Hetzner Cloud. Reference: docs/spec.md',
    });

/** The spec with an open `addons:` section (no plugin consulted). */
export const SpecSchema = withRules(SpecShapeSchema);

/** The spec whose `addons:` section is validated by these addons' settings schemas. */
export function specSchemaFor(addons: AddonSettingsSchemas | undefined) {
  if (!addons) return SpecSchema;
  return withRules(
    SpecShapeSchema.extend({ addons: addonsSchemaFor(addons) }) as unknown as typeof SpecShapeSchema,
  );
}

/** A validated spec with every default filled in. */
export type Spec = z.output<typeof SpecShapeSchema>;
/** What a person may write: defaults optional. */
export type SpecInput = z.input<typeof SpecShapeSchema>;

export type ClusterSpec = Spec['cluster'];
export type NetworkSpec = Spec['network'];
export type FirewallSpec = Spec['firewall'];
export type FirewallRule = Spec['firewall']['extraRules'][number];
export type ControlPlaneSpec = Spec['controlPlane'];
export type WorkersSpec = Spec['workers'];
export type AutoscalerSpec = Spec['autoscaler'];
export type LoadBalancersSpec = Spec['loadBalancers'];
export type TalosSpec = Spec['talos'];
export type KubernetesSpec = Spec['kubernetes'];
export type AddonsSpec = Spec['addons'];
export type TokenSource = Spec['hcloud']['token'];
export type {
  AutoscalerPool,
  BareMetalPool,
  ControlPlanePool,
  IngressLoadBalancerPool,
  NodePool,
  WorkerPool,
} from './sections/pools.js';

/** The inputs and output of machine-config generation. */
import type { Spec } from '../../spec/schema.js';
import type { TalosSecrets } from '../secrets-types.js';
import type { ComponentVersions } from './kubernetes.js';

export type NodeRole = 'controlplane' | 'worker';

export interface MachineConfigNode {
  role: NodeRole;
  /** The server name, e.g. `prod-workers-3`; becomes the node's hostname. */
  hostname: string;
  /** The pool the node belongs to: a control-plane, worker or autoscaler pool name. */
  pool: string;
  /** The Hetzner server id; the `nodeid` label makes a replaced server get a new config. */
  serverId: string;
  publicIpv4?: string;
  publicIpv6?: string;
  privateIpv4: string;
}

export interface MachineConfigCluster {
  /** `https://<kube-API LB private IP, else the private VIP, else the first control plane's private IP>:6443`. */
  endpoint: string;
  /** Names and addresses for the Talos API and Kube API certificates. */
  certSANs: string[];
  /** VIPs Talos moves between control planes (HCloudVIPConfig, control planes only). */
  vips?: readonly { ip: string; link: 'private' | 'public' }[];
  /** The Hetzner token the VIP controller calls the API with. A secret: see `vip.ts`. */
  hcloudToken?: string;
}

export interface BuildMachineConfigInput {
  spec: Spec;
  secrets: TalosSecrets;
  node: MachineConfigNode;
  cluster: MachineConfigCluster;
  /**
   * Components at a version other than `kubernetes.version`: a node's staged config while a
   * Kubernetes upgrade moves one component at a time. Absent: every component at `kubernetes.version`.
   */
  kubernetes?: ComponentVersions;
}

/** One YAML document of a machine config: the v1alpha1 document or a typed `apiVersion`/`kind` one. */
export type ConfigDocument = Record<string, unknown>;

export interface MachineConfig {
  /** The Talos version the config is for (`talos.version`, e.g. `v1.13.9`). */
  version: string;
  /** The v1alpha1 document first, then the typed documents. */
  documents: ConfigDocument[];
}

/** The commented starter `hk8s.yaml` that `hk8s init` writes. */
import { stringify } from 'yaml';
import { Hk8sError } from '../errors.js';
import { CLUSTER_NAME_PATTERN } from './sections/infrastructure.js';

export interface StarterOptions {
  /** Cluster name; must match the cluster.name rule. */
  name: string;
  /** Where editors find the JSON Schema, e.g. ./hk8s.schema.json. */
  schemaRef: string;
}

function scalar(value: string): string {
  return stringify(value).trimEnd();
}

export function starterSpecYaml(options: StarterOptions): string {
  if (!CLUSTER_NAME_PATTERN.test(options.name)) {
    throw new Hk8sError('usage', `cluster name ${JSON.stringify(options.name)} is not allowed`, {
      hint: 'Use 1 to 32 lowercase letters, digits and -, starting and ending with a letter or digit',
    });
  }
  return `$schema: ${scalar(options.schemaRef)}
# hk8s.yaml: the Kubernetes cluster you want on Hetzner Cloud. hk8s plan shows what it would change;
# hk8s apply makes it so. Every field, its default and what it does: docs/spec.md.
apiVersion: hk8s.io/v1alpha1

cluster:
  # Prefix and label of everything hk8s creates. It cannot be changed later.
  name: ${scalar(options.name)}
  # Delete protection on servers, network and load balancers: while true, hk8s refuses to delete
  # them (scale-down, replace, destroy). Set false to allow it.
  deleteProtection: true

hcloud:
  # The API token is read from this environment variable (or use file: ./hcloud-token).
  # An inline token is refused, so that it never lands in version control.
  token:
    env: HCLOUD_TOKEN

# The private network. The defaults give nodes 10.0.64.0/19, services 10.0.96.0/19, pods 10.0.128.0/17.
network:
  ipv4Cidr: 10.0.0.0/16

# Who may reach the Kube API (6443) and Talos API (50000): without apiSources, your current public
# IPv4 (hk8s looks it up). Set apiSources: [203.0.113.0/24, ...] to choose. extraRules opens more.
firewall:
  extraRules: []

# The control plane runs etcd: keep the total count odd (1, 3 or 5). Three survive the loss of one.
controlPlane:
  pools:
    - name: control-plane
      location: fsn1 # fsn1, nbg1, hel1 (eu-central), ash, hil or sin
      type: cpx22 # Hetzner server type
      count: 3

# Workers run your workloads. Add pools for other server types or locations.
workers:
  pools:
    - name: worker
      location: fsn1
      type: cpx22
      count: 2

# Versions of Talos Linux and Kubernetes. Changing them later upgrades the nodes one by one.
talos:
  version: v1.13.9
kubernetes:
  version: v1.34.10

# Addons: Cilium, the Hetzner cloud controller and CSI driver, metrics-server and more are on by
# default. Turn one off with enabled: false, or tune it (see docs/spec.md).
addons: {}
`;
}

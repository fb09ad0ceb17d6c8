/**
 * The Talos view of a cluster: which servers are nodes of which role, the cluster endpoint and the
 * certificate names — and each node's machine config, rendered from the spec, the secrets and what
 * is known of the servers. Pure: everything comes in as arguments.
 */
import {
  buildMachineConfig,
  configInputsHash,
  machineConfigYaml,
  recordedForm,
} from '../../talos/config/index.js';
import type { BuildMachineConfigInput, ComponentVersions, MachineConfig } from '../../talos/config/index.js';
import type { TalosSecrets } from '../../talos/secrets-types.js';
import type { NetworkLayout } from '../../spec/network.js';
import type { Spec } from '../../spec/schema.js';
import { sha256 } from '../hash.js';
import { addresses, serverName, surgeIndex, type ServerIndex } from '../../resources/hcloud/names.js';
import { certSans, controlPlaneVips, endpointUrl, internalEndpoint } from './endpoint.js';

export interface ServerFact {
  id: string;
  ipv4?: string;
  ipv6?: string;
  privateIp?: string;
}

export interface TalosNode {
  /** The server's address, `server.<pool>.<i>` (a surge node's: `server.<pool>.s<k>`). */
  server: string;
  /** Where hk8s records the applied config, `talos.config.<pool>.<i>`. */
  config: string;
  role: 'controlplane' | 'worker';
  pool: string;
  hostname: string;
}

export const TALOS_SECRETS = 'talos.secrets';
export const TALOS_BOOTSTRAP = 'talos.bootstrap';
export const TALOS_HEALTH = 'talos.health';
export const TALOS_KUBECONFIG = 'talos.kubeconfig';
export const KUBECONFIG_SECRET = 'kubeconfig';

/** Node objects are addressed like their servers: `kube.node.<pool>.<i>` for `server.<pool>.<i>`. */
export const KUBE_NODE_PREFIX = 'kube.node';

export function nodeObjectAddress(server: string): string {
  return `${KUBE_NODE_PREFIX}.${server.slice('server.'.length)}`;
}

/** The server address a config or Node object address belongs to. */
export function serverOf(address: string): string {
  for (const prefix of ['talos.config.', `${KUBE_NODE_PREFIX}.`]) {
    if (address.startsWith(prefix)) return `server.${address.slice(prefix.length)}`;
  }
  throw new Error(`${address} belongs to no server`);
}

export function configAddress(server: string): string {
  return `talos.config.${server.slice('server.'.length)}`;
}

export function configSecretName(server: string): string {
  return appliedConfigSecret(configAddress(server));
}

/** The secret holding the config as applied, for a config record's address. */
export function appliedConfigSecret(config: string): string {
  return `${config}.applied`;
}

/** Nodes built per spec object: a plan asks for them once per node, and a spec is never mutated. */
const nodesBySpec = new WeakMap<Spec, readonly TalosNode[]>();

/** How many times the node list was built in this process (tests of planning cost count it). */
export const nodeListWork = { builds: 0 };

/**
 * Every node the spec asks for, control planes first, in address order within a role; with the
 * surge nodes of the worker pools named in `surgePools` (those in a surged upgrade, surge.ts).
 */
export function talosNodes(spec: Spec, surgePools: readonly string[] = []): TalosNode[] {
  let known = nodesBySpec.get(spec);
  if (!known) {
    known = buildTalosNodes(spec);
    nodesBySpec.set(spec, known);
  }
  if (surgePools.length === 0) return [...known];
  const surge = surgePools.flatMap((pool) => surgeNodes(spec, pool));
  const controlPlanes = known.filter((n) => n.role === 'controlplane');
  const workers = [...known.filter((n) => n.role === 'worker'), ...surge].sort(byAddress);
  return [...controlPlanes, ...workers];
}

/** The spec's nodes by server address. */
export function talosNodeIndex(spec: Spec): ReadonlyMap<string, TalosNode> {
  return new Map(talosNodes(spec).map((n) => [n.server, n]));
}

const byAddress = (a: TalosNode, b: TalosNode) => a.server.localeCompare(b.server);

function buildTalosNodes(spec: Spec): readonly TalosNode[] {
  nodeListWork.builds += 1;
  const nodes = (pools: Spec['controlPlane']['pools'], role: TalosNode['role']) =>
    pools.flatMap((pool) =>
      Array.from({ length: pool.count }, (_, i) => Object.freeze(talosNode(spec, pool.name, role, i + 1))),
    );
  return Object.freeze([
    ...nodes(spec.controlPlane.pools, 'controlplane').sort(byAddress),
    ...nodes(spec.workers.pools, 'worker').sort(byAddress),
  ]);
}

const controlPlanesBySpec = new WeakMap<Spec, readonly TalosNode[]>();

/** The spec's control-plane nodes, in address order (built once per spec). */
export function controlPlaneNodes(spec: Spec): readonly TalosNode[] {
  let known = controlPlanesBySpec.get(spec);
  if (!known) {
    known = Object.freeze(talosNodes(spec).filter((n) => n.role === 'controlplane'));
    controlPlanesBySpec.set(spec, known);
  }
  return known;
}

function talosNode(spec: Spec, pool: string, role: TalosNode['role'], index: ServerIndex): TalosNode {
  const server = addresses.server(pool, index);
  return {
    server,
    config: configAddress(server),
    role,
    pool,
    hostname: serverName(spec.cluster.name, pool, index),
  };
}

/** A worker pool's surge nodes, `server.<pool>.s<k>` for k = 1..maxSurge (none for an unknown pool). */
export function surgeNodes(spec: Spec, pool: string): TalosNode[] {
  const found = spec.workers.pools.find((p) => p.name === pool);
  const count = found?.upgrade.maxSurge ?? 0;
  return Array.from({ length: count }, (_, k) => talosNode(spec, pool, 'worker', surgeIndex(k + 1)));
}

/** The control plane that bootstraps etcd: the first in address order. */
export function bootstrapNode(spec: Spec): TalosNode | undefined {
  return controlPlaneNodes(spec)[0];
}

export interface ClusterFacts {
  servers: Record<string, ServerFact>;
  /** The Kubernetes API load balancer's public IPv4, once it exists. */
  kubeApiLbIpv4?: string;
  /** The control plane's floating IP (the public VIP), once it exists. */
  floatingIpv4?: string;
}

export interface RenderedConfig {
  /** The config as recorded and compared: the Hetzner token replaced by its fingerprint. */
  config: MachineConfig;
  /** What the node gets, token included: only ever sent to the node. */
  yaml: string;
  /** Of the recorded form. */
  hash: string;
  /** Of what the config is built from (`configInputsHash`): equal inputs, equal config. */
  inputs: string;
}

/** What a node's config is built from, and its digest; rendering is a separate, costlier step. */
export interface NodeConfigInput {
  build: BuildMachineConfigInput;
  inputs: string;
}

/**
 * What the node's config is built from, or undefined while a value it needs (an IP, the endpoint,
 * a VIP, the token for the VIPs) is not known yet. `kubernetes`: components staged at another
 * version than `kubernetes.version` (an upgrade's steps).
 */
export function nodeConfigInput(
  spec: Spec,
  layout: NetworkLayout,
  secrets: TalosSecrets,
  node: TalosNode,
  facts: ClusterFacts,
  kubernetes?: ComponentVersions,
  hcloudToken?: string,
): NodeConfigInput | undefined {
  const fact = facts.servers[node.server];
  const endpoint = internalEndpoint(spec, layout, facts);
  const vips = controlPlaneVips(spec, layout, facts);
  if (!fact?.privateIp || !endpoint || !vips) return undefined;
  if (node.role === 'controlplane' && vips.length > 0 && !hcloudToken) return undefined;
  const build: BuildMachineConfigInput = {
    spec,
    secrets,
    node: {
      role: node.role,
      hostname: node.hostname,
      pool: node.pool,
      serverId: fact.id,
      ...(fact.ipv4 ? { publicIpv4: fact.ipv4 } : {}),
      ...(fact.ipv6 ? { publicIpv6: fact.ipv6 } : {}),
      privateIpv4: fact.privateIp,
    },
    cluster: {
      endpoint: endpointUrl(endpoint.host),
      certSANs: certSans(spec, layout, facts),
      vips,
      ...(hcloudToken ? { hcloudToken } : {}),
    },
    ...(kubernetes ? { kubernetes } : {}),
  };
  return { build, inputs: configInputsHash(build) };
}

/** Builds the config and serialises it: what the node gets, and the recorded form's hash. */
export function renderConfig(input: NodeConfigInput): RenderedConfig {
  const config = buildMachineConfig(input.build);
  const recorded = recordedForm(config);
  const yaml = machineConfigYaml(config);
  // Without a token the recorded form is the config itself: serialise it once.
  const recordedYaml = recorded.documents.every((d, i) => d === config.documents[i])
    ? yaml
    : machineConfigYaml(recorded);
  return { config: recorded, yaml, hash: sha256(recordedYaml), inputs: input.inputs };
}

/** The node's config, or undefined while a value it needs is not known yet (see `nodeConfigInput`). */
export function renderNodeConfig(
  spec: Spec,
  layout: NetworkLayout,
  secrets: TalosSecrets,
  node: TalosNode,
  facts: ClusterFacts,
  kubernetes?: ComponentVersions,
  hcloudToken?: string,
): RenderedConfig | undefined {
  const input = nodeConfigInput(spec, layout, secrets, node, facts, kubernetes, hcloudToken);
  return input && renderConfig(input);
}

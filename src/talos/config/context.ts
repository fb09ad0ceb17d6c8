/** The facts every part of a node's config is derived from, computed once per node. */
import { addonEnabled } from '../../spec/sections/addons.js';
import { resolveNetworkLayout, type NetworkLayout } from '../../spec/network.js';
import type { Spec } from '../../spec/schema.js';
import { TAINT_PATTERN } from '../../spec/sections/common.js';
import type { TalosSecrets } from '../secrets-types.js';
import type { BuildMachineConfigInput, MachineConfigCluster, MachineConfigNode } from './types.js';
import { replacesKubeProxy, resolveComponentVersions, type KubeComponent } from './kubernetes.js';
import { checkKubernetesVersion, talosVersionSupport, type TalosVersionSupport } from './versions.js';

export interface NodePoolFacts {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  taints: string[];
  /** Where the pool's config patches are in the spec, e.g. `workers.configPatches`. */
  patchesField: 'controlPlane.configPatches' | 'workers.configPatches' | 'autoscaler.configPatches';
  patches: readonly unknown[];
}

export interface BuildContext {
  spec: Spec;
  secrets: TalosSecrets;
  node: MachineConfigNode;
  cluster: MachineConfigCluster;
  support: TalosVersionSupport;
  layout: NetworkLayout;
  controlPlane: boolean;
  pool: NodePoolFacts;
  /** Workloads may run on control planes. */
  schedulableControlPlanes: boolean;
  /** Cilium is the CNI: Talos deploys none. */
  ciliumCni: boolean;
  /** Cilium replaces kube-proxy: Talos deploys none. */
  kubeProxyReplacement: boolean;
  publicLink?: { name: string; dhcp: boolean };
  /** eth1 behind a public interface, eth0 on a server without one (talos-1.13.md §6.1). */
  privateLinkName: string;
  /** The host of `cluster.endpoint`: the Kube API's private address. */
  kubeApiPrivateHost: string;
  /** The version each Kubernetes component's image is written at. */
  versions: Record<KubeComponent, string>;
}

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

export function parseTaint(text: string): Taint {
  const match = TAINT_PATTERN.exec(text);
  if (!match) throw new Error(`invalid taint ${text} (was the spec validated?)`);
  const [, key = '', value, effect = ''] = match;
  return value === undefined || value === '' ? { key, effect } : { key, value, effect };
}

function poolFacts(spec: Spec, node: MachineConfigNode): NodePoolFacts {
  if (node.role === 'controlplane') {
    const pool = spec.controlPlane.pools.find((candidate) => candidate.name === node.pool);
    if (pool) {
      return {
        ...pool,
        patchesField: 'controlPlane.configPatches',
        patches: spec.controlPlane.configPatches,
      };
    }
  } else {
    const pool = spec.workers.pools.find((candidate) => candidate.name === node.pool);
    if (pool) return { ...pool, patchesField: 'workers.configPatches', patches: spec.workers.configPatches };
    const group = spec.autoscaler.pools.find((candidate) => candidate.name === node.pool);
    if (group) {
      return { ...group, patchesField: 'autoscaler.configPatches', patches: spec.autoscaler.configPatches };
    }
  }
  throw new Error(`node ${node.hostname}: no ${node.role} pool named ${node.pool} in the spec`);
}

/** The reference module's rule: control planes run workloads when no untainted worker capacity exists. */
export function controlPlanesSchedulable(spec: Spec): boolean {
  if (spec.cluster.allowSchedulingOnControlPlanes !== undefined) {
    return spec.cluster.allowSchedulingOnControlPlanes;
  }
  const untaintedWorkers = spec.workers.pools.some((pool) => pool.count > 0 && pool.taints.length === 0);
  const untaintedAutoscaled =
    spec.autoscaler.enabled && spec.autoscaler.pools.some((pool) => pool.max > 0 && pool.taints.length === 0);
  return !untaintedWorkers && !untaintedAutoscaled;
}

function hostOf(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`cluster endpoint ${endpoint} is not a URL`);
  }
  if (url.protocol !== 'https:') throw new Error(`cluster endpoint ${endpoint} must be an https:// URL`);
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

export function buildContext(input: BuildMachineConfigInput): BuildContext {
  const { spec, node } = input;
  const support = talosVersionSupport(spec.talos.version);
  checkKubernetesVersion(support, spec.kubernetes.version);
  const cilium = addonEnabled(spec.addons, 'cilium', true);
  const hasPublicInterface = node.publicIpv4 !== undefined || node.publicIpv6 !== undefined;
  return {
    spec,
    secrets: input.secrets,
    node,
    cluster: input.cluster,
    support,
    layout: resolveNetworkLayout(spec),
    controlPlane: node.role === 'controlplane',
    pool: poolFacts(spec, node),
    schedulableControlPlanes: controlPlanesSchedulable(spec),
    ciliumCni: cilium,
    kubeProxyReplacement: replacesKubeProxy(spec),
    ...(hasPublicInterface ? { publicLink: { name: 'eth0', dhcp: node.publicIpv4 !== undefined } } : {}),
    privateLinkName: hasPublicInterface ? 'eth1' : 'eth0',
    kubeApiPrivateHost: hostOf(input.cluster.endpoint),
    versions: resolveComponentVersions(spec, input.kubernetes),
  };
}

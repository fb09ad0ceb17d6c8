/**
 * What the Kubernetes side needs from a Talos machine config beyond what the Talos simulator parses:
 * node labels and taints, component images (hence versions), scheduling on control planes, and
 * which bootstrap manifests Talos would apply.
 */
import { parseAllDocuments } from 'yaml';
import type { MachineConfig } from '../talos/config.js';
import { asObject, asString } from './types.js';

export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** The components a control plane's config names an image for. */
export const CONFIG_COMPONENTS = [
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kube-proxy',
] as const;
export type ConfigComponent = (typeof CONFIG_COMPONENTS)[number];

const CONFIG_KEYS: Record<ConfigComponent, string> = {
  'kube-apiserver': 'apiServer',
  'kube-controller-manager': 'controllerManager',
  'kube-scheduler': 'scheduler',
  'kube-proxy': 'proxy',
};

export interface KubeFacts {
  controlPlane: boolean;
  nodeLabels: Record<string, string>;
  nodeTaints: Taint[];
  kubeletVersion: string;
  apiServerVersion: string;
  /** `cluster.<component>.image`, else the upstream image at the kubelet's version. */
  images: Record<ConfigComponent, string>;
  allowSchedulingOnControlPlanes: boolean;
  proxyDisabled: boolean;
  coreDnsDisabled: boolean;
  externalCloudProvider: boolean;
}

/** Kubernetes version Talos installs by default, per Talos minor (facts file: 1.13 → 1.36, 1.12 → 1.35). */
export function defaultKubernetesVersion(talosVersion: string): string {
  const m = /^v?1\.(\d+)\./.exec(talosVersion);
  const minor = m ? Number(m[1]) : 13;
  if (minor <= 12) return 'v1.35.0';
  return 'v1.36.3';
}

/** `registry/x/kubelet:v1.36.3@sha256:…` → `v1.36.3`. */
export function imageTag(image: string | undefined): string | undefined {
  if (!image) return undefined;
  const noDigest = image.split('@')[0] ?? '';
  const colon = noDigest.lastIndexOf(':');
  if (colon < 0 || noDigest.indexOf('/', colon) >= 0) return undefined;
  const tag = noDigest.slice(colon + 1);
  return /^v?\d+\.\d+\.\d+/.test(tag) ? (tag.startsWith('v') ? tag : `v${tag}`) : undefined;
}

const EFFECTS = new Set(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);

function taints(raw: unknown): Taint[] {
  const result: Taint[] = [];
  for (const [key, spec] of Object.entries(asObject(raw))) {
    if (typeof spec !== 'string') continue;
    const colon = spec.lastIndexOf(':');
    const value = colon >= 0 ? spec.slice(0, colon) : '';
    const effect = colon >= 0 ? spec.slice(colon + 1) : spec;
    if (!EFFECTS.has(effect)) continue;
    result.push({ key, ...(value === '' ? {} : { value }), effect: effect as Taint['effect'] });
  }
  return result;
}

function stringMap(raw: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [k, v] of Object.entries(asObject(raw)))
    result[k] = v === null || v === undefined ? '' : String(v);
  return result;
}

export function kubeFacts(config: MachineConfig, talosVersion: string): KubeFacts {
  let main: Record<string, unknown> = {};
  for (const doc of parseAllDocuments(config.text)) {
    const value = asObject(doc.toJS() as unknown);
    if (value['kind'] === undefined && value['machine'] !== undefined) main = value;
  }
  const machine = asObject(main['machine']);
  const cluster = asObject(main['cluster']);
  const fallback = defaultKubernetesVersion(talosVersion);
  const kubelet = imageTag(asString(asObject(machine['kubelet'])['image'])) ?? fallback;
  const images = componentImages(cluster, kubelet);
  return {
    controlPlane: config.type === 'controlplane',
    nodeLabels: stringMap(machine['nodeLabels']),
    nodeTaints: taints(machine['nodeTaints']),
    kubeletVersion: kubelet,
    apiServerVersion: imageTag(images['kube-apiserver']) ?? kubelet,
    images,
    allowSchedulingOnControlPlanes: cluster['allowSchedulingOnControlPlanes'] === true,
    proxyDisabled: asObject(cluster['proxy'])['disabled'] === true,
    coreDnsDisabled: asObject(cluster['coreDNS'])['disabled'] === true,
    externalCloudProvider: asObject(cluster['externalCloudProvider'])['enabled'] === true,
  };
}

function componentImages(cluster: Record<string, unknown>, version: string): Record<ConfigComponent, string> {
  const images = {} as Record<ConfigComponent, string>;
  for (const component of CONFIG_COMPONENTS) {
    const written = asString(asObject(cluster[CONFIG_KEYS[component]])['image']);
    images[component] = written ?? `registry.k8s.io/${component}:${version}`;
  }
  return images;
}

/** Facts of a node without a config (it runs no kubelet, so they are never shown). */
export function defaultFacts(talosVersion: string): KubeFacts {
  const version = defaultKubernetesVersion(talosVersion);
  return {
    controlPlane: false,
    nodeLabels: {},
    nodeTaints: [],
    kubeletVersion: version,
    apiServerVersion: version,
    images: componentImages({}, version),
    allowSchedulingOnControlPlanes: false,
    proxyDisabled: false,
    coreDnsDisabled: false,
    externalCloudProvider: false,
  };
}

/**
 * The Kubernetes components whose image a machine config names, and the version each one runs.
 * A config normally carries `kubernetes.version` for all of them; during a Kubernetes upgrade a node's
 * config is staged, some components at the new version and the rest at the old (talos.md §6.2).
 */
import type { Spec } from '../../spec/schema.js';
import { isPlainObject } from './objects.js';
import type { MachineConfig } from './types.js';
import { addonEnabled, addonFlag } from '../../spec/sections/addons.js';

/** In the order an upgrade moves them (talos.md §6.2): control-plane pods, kube-proxy, then kubelets. */
export const KUBE_COMPONENTS = [
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kube-proxy',
  'kubelet',
] as const;
export type KubeComponent = (typeof KUBE_COMPONENTS)[number];

/** The static pods of a control plane, each a mirror pod labelled `k8s-app=<component>`. */
export const CONTROL_PLANE_PODS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const;
export type ControlPlanePod = (typeof CONTROL_PLANE_PODS)[number];

/** Versions that differ from `kubernetes.version`, by component; absent components use it. */
export type ComponentVersions = Partial<Record<KubeComponent, string>>;

const K8S_REGISTRY = 'registry.k8s.io';
const KUBELET_REPOSITORY = 'ghcr.io/siderolabs/kubelet';

/** Where each component's image is in the v1alpha1 document, and in the spec's `kubernetes.images`. */
const PLACES: Record<KubeComponent, { section: 'cluster' | 'machine'; key: string; override: string }> = {
  'kube-apiserver': { section: 'cluster', key: 'apiServer', override: 'apiServer' },
  'kube-controller-manager': { section: 'cluster', key: 'controllerManager', override: 'controllerManager' },
  'kube-scheduler': { section: 'cluster', key: 'scheduler', override: 'scheduler' },
  'kube-proxy': { section: 'cluster', key: 'proxy', override: 'proxy' },
  kubelet: { section: 'machine', key: 'kubelet', override: 'kubelet' },
};

/** Cilium replaces kube-proxy: Talos deploys none, and configs name no kube-proxy image. */
export function replacesKubeProxy(spec: Spec): boolean {
  return (
    addonEnabled(spec.addons, 'cilium', true) &&
    addonFlag(spec.addons, 'cilium', 'kubeProxyReplacement', true)
  );
}

/** The components a node's config names, in upgrade order: workers carry only the kubelet. */
export function componentsOf(spec: Spec, role: 'controlplane' | 'worker'): KubeComponent[] {
  if (role === 'worker') return ['kubelet'];
  return KUBE_COMPONENTS.filter((c) => c !== 'kube-proxy' || !replacesKubeProxy(spec));
}

/** The image of a component at a version: the spec's repository override, else the upstream one. */
export function componentImage(spec: Spec, component: KubeComponent, version: string): string {
  const images = spec.kubernetes.images as Record<string, string | undefined>;
  const upstream = component === 'kubelet' ? KUBELET_REPOSITORY : `${K8S_REGISTRY}/${component}`;
  return `${images[PLACES[component].override] ?? upstream}:${version}`;
}

/** Every component's version: `kubernetes.version`, except where `staged` says otherwise. */
export function resolveComponentVersions(
  spec: Spec,
  staged: ComponentVersions = {},
): Record<KubeComponent, string> {
  const version = spec.kubernetes.version;
  return Object.fromEntries(KUBE_COMPONENTS.map((c) => [c, staged[c] ?? version])) as Record<
    KubeComponent,
    string
  >;
}

/** `registry/x/kube-apiserver:v1.36.3@sha256:…` → `v1.36.3`; undefined without a version tag. */
export function imageVersion(image: string): string | undefined {
  const noDigest = image.split('@')[0] ?? '';
  const colon = noDigest.lastIndexOf(':');
  if (colon < 0 || noDigest.includes('/', colon)) return undefined;
  const tag = noDigest.slice(colon + 1);
  if (!/^v?\d+\.\d+\.\d+/.test(tag)) return undefined;
  return tag.startsWith('v') ? tag : `v${tag}`;
}

/** The component versions a config names (a disabled kube-proxy, or a worker's control plane, has none). */
export function configComponentVersions(config: MachineConfig): ComponentVersions {
  const main = config.documents.find((d) => d.version === 'v1alpha1') ?? {};
  const versions: ComponentVersions = {};
  for (const component of KUBE_COMPONENTS) {
    const place = PLACES[component];
    const section = main[place.section];
    const holder = isPlainObject(section) ? section[place.key] : undefined;
    const image = isPlainObject(holder) ? holder.image : undefined;
    const version = typeof image === 'string' ? imageVersion(image) : undefined;
    if (version) versions[component] = version;
  }
  return versions;
}

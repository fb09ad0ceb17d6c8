/**
 * A Kubernetes upgrade as `talosctl upgrade-k8s` performs it (talos.md §6.2), without talosctl:
 * kube-apiserver, then kube-controller-manager, then kube-scheduler, each on every control plane in
 * turn; then kube-proxy's image in the control planes' configs; then the kubelets node by node
 * (control planes first); then the bootstrap manifests. One minor at a time: a longer way passes
 * through the intermediate minors, each as a whole procedure. Every step starts from what the node
 * runs (observed), so a step already done — by an earlier, interrupted run — is not planned again.
 * Pure.
 */
import {
  CONTROL_PLANE_PODS,
  componentImage,
  componentsOf,
  configComponentVersions,
  type ComponentVersions,
  type KubeComponent,
  type MachineConfig,
} from '../../talos/config/index.js';
import { compareVersions, kubernetesUpgradePath, minorOfVersion } from '../../talos/versions.js';
import type { Spec } from '../../spec/schema.js';
import { actionId } from '../diff.js';
import type {
  ManifestImage,
  SyncManifestsAction,
  UpgradeComponentAction,
  UpgradeKubernetesAction,
} from '../types.js';
import type { TalosNode } from './nodes.js';

/** What one node runs for Kubernetes: observed through its API, else what its recorded config says. */
export interface RunningKubernetes {
  /** By component; a component the node does not run (a worker's API server) is absent. */
  versions: ComponentVersions;
  /** Components seen at their version but not Ready (their pod, or the Node for the kubelet). */
  notReady: KubeComponent[];
}

/** What the cluster runs for Kubernetes, as the Talos planner gets it. */
export interface ClusterKubernetes {
  /** `kubernetes`: read from the API now; `applied-config`: the API was not asked or not reachable. */
  source: 'kubernetes' | 'applied-config';
  /** By server address. */
  nodes: Record<string, RunningKubernetes>;
  /** Versions the kube-proxy pods run, one per pod; absent when not observed. */
  proxyPods?: string[];
}

export interface KubernetesUpgrade {
  target: string;
  /** The versions the upgrade passes through, one minor at a time, ending with `target`. */
  hops: string[];
  /** The nodes that take part, in upgrade order (control planes, then workers). */
  nodes: TalosNode[];
  /** What each node runs now; its config keeps these until a step moves them. */
  running: Record<string, ComponentVersions>;
  notReady: Record<string, KubeComponent[]>;
  proxyPods?: string[];
  spec: Spec;
}

/** The Deployment and DaemonSet images Talos renders into its bootstrap manifests. */
const COREDNS_IMAGE_BY_TALOS_MINOR: Record<string, string> = {
  // talos-1.13.md §5: CoreDNS of the supported patches (v1.12.11; v1.13.9 and later).
  'v1.12': 'registry.k8s.io/coredns/coredns:v1.14.2',
  'v1.13': 'registry.k8s.io/coredns/coredns:v1.14.6',
};

const older = (a: string, b: string) => compareVersions(a, b) < 0;

/**
 * The upgrade the spec asks for, or undefined when every node runs `kubernetes.version` (and, when
 * observed, so do the kube-proxy pods). `nodes`: the existing nodes (new ones get the target directly).
 */
export function kubernetesUpgradeFor(
  spec: Spec,
  nodes: readonly TalosNode[],
  running: ClusterKubernetes,
): KubernetesUpgrade | undefined {
  const target = spec.kubernetes.version;
  const versions: Record<string, ComponentVersions> = {};
  const notReady: Record<string, KubeComponent[]> = {};
  const seen: string[] = [];
  for (const node of nodes) {
    const observed = running.nodes[node.server];
    const own: ComponentVersions = {};
    // A component nothing says anything about is taken to be where the spec wants it.
    for (const c of componentsOf(spec, node.role)) own[c] = observed?.versions[c] ?? target;
    versions[node.server] = own;
    notReady[node.server] = observed?.notReady ?? [];
    seen.push(...Object.values(own));
  }
  const proxyBehind = proxyRelevant(spec) && (running.proxyPods ?? []).some((v) => v !== target);
  if (seen.every((v) => v === target) && !proxyBehind) return undefined;
  const lowest = [...seen, ...(running.proxyPods ?? [])].sort(compareVersions)[0] ?? target;
  const hops = kubernetesUpgradePath(lowest, target);
  return {
    target,
    hops: hops.length > 0 ? hops : [target],
    nodes: [...nodes],
    running: versions,
    notReady,
    ...(running.proxyPods ? { proxyPods: running.proxyPods } : {}),
    spec,
  };
}

/** What a node's config carries until its steps run: the components not yet at the target. */
export function keptVersions(upgrade: KubernetesUpgrade, server: string): ComponentVersions | undefined {
  const own = upgrade.running[server];
  if (!own) return undefined;
  const kept = Object.fromEntries(Object.entries(own).filter(([, v]) => v !== upgrade.target));
  return Object.keys(kept).length > 0 ? kept : undefined;
}

function proxyRelevant(spec: Spec): boolean {
  return componentsOf(spec, 'controlplane').includes('kube-proxy');
}

interface Cursor {
  state: Record<string, ComponentVersions>;
  steps: UpgradeKubernetesAction[];
  previous: string[];
}

/** The steps, chained one after another; the first waits for `after` (config pushes, OS upgrades). */
export function kubernetesUpgradeActions(
  upgrade: KubernetesUpgrade,
  after: readonly string[],
): UpgradeKubernetesAction[] {
  const cursor: Cursor = {
    state: Object.fromEntries(Object.entries(upgrade.running).map(([k, v]) => [k, { ...v }])),
    steps: [],
    previous: [...new Set(after)].sort(),
  };
  const controlPlanes = upgrade.nodes.filter((n) => n.role === 'controlplane');
  upgrade.hops.forEach((hop, index) => {
    const last = index === upgrade.hops.length - 1;
    const before = cursor.steps.length;
    for (const component of CONTROL_PLANE_PODS) {
      for (const node of controlPlanes) planStep(upgrade, cursor, node, component, hop, last);
    }
    if (proxyRelevant(upgrade.spec)) {
      for (const node of controlPlanes) planStep(upgrade, cursor, node, 'kube-proxy', hop, last);
    }
    for (const node of upgrade.nodes) planStep(upgrade, cursor, node, 'kubelet', hop, last);
    const proxyPodsBehind = last && (upgrade.proxyPods ?? []).some((v) => v !== hop);
    if (cursor.steps.length > before || proxyPodsBehind) planManifests(upgrade, cursor, hop, index);
  });
  return cursor.steps;
}

function needsStep(
  upgrade: KubernetesUpgrade,
  node: TalosNode,
  component: KubeComponent,
  current: string,
  hop: string,
  last: boolean,
): boolean {
  // An intermediate stop never moves a component back that is already past it.
  if (!last) return older(current, hop);
  if (current !== hop) return true;
  // At the target but not Ready: the step runs again, its push a no-op, to wait for it.
  return upgrade.notReady[node.server]?.includes(component) === true && component !== 'kube-proxy';
}

function planStep(
  upgrade: KubernetesUpgrade,
  cursor: Cursor,
  node: TalosNode,
  component: KubeComponent,
  hop: string,
  last: boolean,
): void {
  const own = cursor.state[node.server];
  const current = own?.[component];
  if (!own || current === undefined || !needsStep(upgrade, node, component, current, hop, last)) return;
  own[component] = hop;
  const address = `kubernetes.${node.server.slice('server.'.length)}.${component}@${hop}`;
  const step: UpgradeComponentAction = {
    id: actionId('upgrade-kubernetes', address),
    address,
    reason: reasonFor(upgrade, hop),
    dependsOn: cursor.previous,
    kind: 'upgrade-kubernetes',
    component,
    node: node.server,
    from: current,
    to: hop,
    staged: { ...own },
  };
  cursor.steps.push(step);
  cursor.previous = [step.id];
}

function planManifests(upgrade: KubernetesUpgrade, cursor: Cursor, hop: string, index: number): void {
  const { spec } = upgrade;
  const manifests: ManifestImage[] = [];
  if (proxyRelevant(spec)) {
    manifests.push({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      namespace: 'kube-system',
      name: 'kube-proxy',
      container: 'kube-proxy',
      image: componentImage(spec, 'kube-proxy', hop),
    });
  }
  const coreDns = COREDNS_IMAGE_BY_TALOS_MINOR[minorOfVersion(spec.talos.version) ?? ''];
  if (spec.talos.coreDns && coreDns) {
    manifests.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'kube-system',
      name: 'coredns',
      container: 'coredns',
      image: coreDns,
    });
  }
  if (manifests.length === 0) return;
  const from =
    index > 0
      ? (upgrade.hops[index - 1] as string)
      : ([...(upgrade.proxyPods ?? []), ...cursor.steps.map((s) => s.from)].sort(compareVersions)[0] ?? hop);
  const address = `kubernetes.bootstrap-manifests@${hop}`;
  const step: SyncManifestsAction = {
    id: actionId('upgrade-kubernetes', address),
    address,
    reason: reasonFor(upgrade, hop),
    dependsOn: cursor.previous,
    kind: 'upgrade-kubernetes',
    component: 'bootstrap-manifests',
    from,
    to: hop,
    manifests,
  };
  cursor.steps.push(step);
  cursor.previous = [step.id];
}

function reasonFor(upgrade: KubernetesUpgrade, hop: string): string {
  const via =
    upgrade.hops.length > 1
      ? ` (step ${upgrade.hops.indexOf(hop) + 1} of ${upgrade.hops.length}: ${upgrade.hops.join(' → ')})`
      : '';
  return `kubernetes.version is ${upgrade.target}${via}; one component and node at a time`;
}

/** What the recorded configs say the nodes run: the fallback when the API cannot be asked. */
export function appliedKubernetes(
  applied: Readonly<Record<string, { config?: MachineConfig }>>,
  nodes: readonly TalosNode[],
): ClusterKubernetes {
  const running: ClusterKubernetes['nodes'] = {};
  for (const node of nodes) {
    const config = applied[node.config]?.config;
    if (config) running[node.server] = { versions: configComponentVersions(config), notReady: [] };
  }
  return { source: 'applied-config', nodes: running };
}

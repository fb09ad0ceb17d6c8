/**
 * What an installed Helm release leaves running, for the releases whose workloads matter to
 * readiness: Cilium's chart runs its agent DaemonSet `cilium` (host network, tolerating every
 * taint, with the agent's labels, see cni.ts), which makes nodes Ready. The workloads are made once
 * the release's install Job (the helm-controller's or hk8s's installer Job) completed, and go when
 * neither the release's HelmChart nor its installer Job is left (the release was uninstalled).
 */
import { TYPES, type ControllerContext } from './context.js';
import { releaseInstalled } from './helm.js';
import { builtin, type ResourceType } from './resources.js';
import { asArray, asObject, type KubeObject } from './types.js';

const JOBS = builtin('jobs');
const MANAGER = 'helm';

interface ReleaseWorkload {
  release: string;
  type: ResourceType;
  object(namespace: string): KubeObject;
}

const ciliumLabels = {
  'k8s-app': 'cilium',
  'app.kubernetes.io/name': 'cilium-agent',
  'app.kubernetes.io/part-of': 'cilium',
};

function ciliumAgent(namespace: string): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: {
      name: 'cilium',
      namespace,
      uid: '',
      resourceVersion: '',
      creationTimestamp: '',
      labels: {
        ...ciliumLabels,
        'app.kubernetes.io/managed-by': 'Helm',
      },
      annotations: { 'meta.helm.sh/release-name': 'cilium', 'meta.helm.sh/release-namespace': namespace },
    },
    spec: {
      selector: { matchLabels: { 'k8s-app': 'cilium' } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 2 } },
      template: {
        metadata: { labels: ciliumLabels },
        spec: {
          hostNetwork: true,
          priorityClassName: 'system-node-critical',
          serviceAccountName: 'cilium',
          tolerations: [{ operator: 'Exists' }],
          containers: [{ name: 'cilium-agent', image: 'quay.io/cilium/cilium' }],
        },
      },
    },
  } as unknown as KubeObject;
}

const WORKLOADS: ReleaseWorkload[] = [{ release: 'cilium', type: TYPES.daemonsets, object: ciliumAgent }];

function helmChartOf(ctx: ControllerContext, release: string): KubeObject | undefined {
  const type = ctx.objects.catalog.find('helm.cattle.io', 'v1', 'helmcharts');
  return type ? ctx.objects.find(type, 'kube-system', release) : undefined;
}

function installerOf(ctx: ControllerContext, release: string): KubeObject | undefined {
  return ctx.objects.find(JOBS, 'kube-system', `hk8s-install-${release}`);
}

/** The release's namespace: its HelmChart's targetNamespace, else the installer Job's TARGET_NAMESPACE. */
function targetNamespace(ctx: ControllerContext, release: string): string {
  const fromChart = asObject(helmChartOf(ctx, release)?.['spec'])['targetNamespace'];
  if (typeof fromChart === 'string' && fromChart !== '') return fromChart;
  const template = asObject(asObject(installerOf(ctx, release)?.['spec'])['template']);
  const env = asArray(asObject(template['spec'])['containers'])
    .map(asObject)
    .flatMap((c) => asArray(c['env']).map(asObject));
  const fromJob = env.find((e) => e['name'] === 'TARGET_NAMESPACE')?.['value'];
  return typeof fromJob === 'string' && fromJob !== '' ? fromJob : 'kube-system';
}

function ownedByRelease(object: KubeObject, release: string): boolean {
  return object.metadata.annotations?.['meta.helm.sh/release-name'] === release;
}

export function syncReleases(ctx: ControllerContext): boolean {
  let changed = false;
  for (const workload of WORKLOADS) {
    const { release, type } = workload;
    const existing = ctx.objects.list(type).filter((o) => ownedByRelease(o, release));
    if (releaseInstalled(ctx, release)) {
      const wanted = workload.object(targetNamespace(ctx, release));
      if (!existing.some((o) => o.metadata.name === wanted.metadata.name)) {
        ctx.objects.createAs(type, wanted, MANAGER);
        changed = true;
      }
      continue;
    }
    if (helmChartOf(ctx, release) || installerOf(ctx, release)) continue;
    for (const object of existing) {
      ctx.objects.removeNow(type, object);
      changed = true;
    }
  }
  return changed;
}

/**
 * Builders for the objects most addons render: a `HelmChart` for the helm-controller hk8s runs, the
 * host-network installer Job for addons nodes need before they are Ready, and labelled Namespaces.
 * Pure functions over plain data; handed to plugins through the hook's options.
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from './index.js';

/** The API proxy on every Talos node: the only API address reachable before a CNI and kube-proxy. */
export const KUBE_PRISM = { host: '127.0.0.1', port: 7445 } as const;

/** Pinned images (reference addons.md §4): controller v0.17.7 with klipper-helm (Helm v4.1.4). */
export const HELM_CONTROLLER_IMAGES = {
  controller: 'rancher/helm-controller:v0.17.7',
  job: 'rancher/klipper-helm:v0.13.3-build20260727',
} as const;

/** `once`: created once and never updated (Jobs cannot change); removed only with its addon. */
export const LIFECYCLE_ANNOTATION = 'hk8s.io/lifecycle';

const CONTROL_PLANE = 'node-role.kubernetes.io/control-plane';

export interface HelmChartOptions {
  /** The Helm release name (metadata.name of the HelmChart). */
  release: string;
  /** A chart name in `repo`, or a full `oci://` reference with no repo. */
  chart: string;
  repo?: string;
  version: string;
  targetNamespace: string;
  values: Record<string, unknown>;
  /** Default `abort`: a failed upgrade waits for an operator instead of reinstalling. */
  failurePolicy?: 'abort' | 'retry' | 'reinstall';
  /** Default 3, so a broken install is reported in minutes, not after 1000 retries. */
  backOffLimit?: number;
  /** Default `10m`. */
  timeout?: string;
}

export type InstallerJobOptions = HelmChartOptions;

export interface NamespaceOptions {
  /** Pod Security `privileged` (host network, host paths): Talos enforces `baseline` elsewhere. */
  privileged?: boolean;
}

/** The helm-controller's install Job for a release: `helm-install-<release>` in the chart's namespace. */
export function installJobName(release: string): string {
  return `helm-install-${release}`;
}

/** The installer Job hk8s runs for a before-Ready release. */
export function installerJobName(release: string): string {
  return `hk8s-install-${release}`;
}

export function helmChart(options: HelmChartOptions): KubeObject {
  return {
    apiVersion: 'helm.cattle.io/v1',
    kind: 'HelmChart',
    metadata: { name: options.release, namespace: 'kube-system' },
    spec: {
      chart: options.chart,
      ...(options.repo ? { repo: options.repo } : {}),
      version: options.version,
      targetNamespace: options.targetNamespace,
      values: options.values,
      failurePolicy: options.failurePolicy ?? 'abort',
      backOffLimit: options.backOffLimit ?? 3,
      timeout: options.timeout ?? '10m',
      forceConflicts: true,
    },
  };
}

/**
 * `bootstrap: true` HelmCharts never schedule on Talos (its control-plane label is empty), so a
 * release nodes need before they are Ready is first installed by this Job, with the helm-controller's
 * job image and contract (env and /config values), on the host network through KubePrism; the
 * HelmChart of the same release name then adopts it.
 */
export function installerJob(options: InstallerJobOptions): KubeObject[] {
  const name = installerJobName(options.release);
  const values: KubeObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: `${name}-values`,
      namespace: 'kube-system',
      annotations: { [LIFECYCLE_ANNOTATION]: 'once' },
    },
    type: 'Opaque',
    stringData: { 'values-01_HelmChart.yaml': `${JSON.stringify(options.values, null, 2)}\n` },
  };
  const env: Record<string, string> = {
    NAME: options.release,
    VERSION: options.version,
    REPO: options.repo ?? '',
    CHART: options.repo ? `${options.release}/${options.chart}` : options.chart,
    TARGET_NAMESPACE: options.targetNamespace,
    CHART_NAMESPACE: 'kube-system',
    HELM_DRIVER: 'secret',
    FAILURE_POLICY: options.failurePolicy ?? 'abort',
    TIMEOUT: options.timeout ?? '10m',
    KUBERNETES_SERVICE_HOST: KUBE_PRISM.host,
    KUBERNETES_SERVICE_PORT: String(KUBE_PRISM.port),
  };
  // The Job changes with its values, so a failed install whose values were fixed is made again.
  const valuesHash = createHash('sha256')
    .update(JSON.stringify([options.values, env]))
    .digest('hex')
    .slice(0, 16);
  const job: KubeObject = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: 'kube-system',
      labels: { 'app.kubernetes.io/managed-by': 'hk8s', 'hk8s.io/release': options.release },
      annotations: { [LIFECYCLE_ANNOTATION]: 'once', 'hk8s.io/values-hash': valuesHash },
    },
    spec: {
      backoffLimit: options.backOffLimit ?? 3,
      template: {
        metadata: { labels: { 'hk8s.io/release': options.release } },
        spec: {
          serviceAccountName: 'hk8s-installer',
          restartPolicy: 'OnFailure',
          hostNetwork: true,
          priorityClassName: 'system-cluster-critical',
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: [{ key: CONTROL_PLANE, operator: 'Exists' }] }],
              },
            },
          },
          tolerations: [{ operator: 'Exists' }],
          containers: [
            {
              name: 'helm',
              image: HELM_CONTROLLER_IMAGES.job,
              args: ['install'],
              env: Object.entries(env).map(([key, value]) => ({ name: key, value })),
              volumeMounts: [{ name: 'values', mountPath: '/config' }],
            },
          ],
          volumes: [{ name: 'values', secret: { secretName: `${name}-values` } }],
        },
      },
    },
  };
  return [values, job];
}

export function namespace(name: string, options: NamespaceOptions = {}): KubeObject {
  const level = options.privileged ? 'privileged' : undefined;
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      ...(level
        ? {
            labels: {
              'pod-security.kubernetes.io/enforce': level,
              'pod-security.kubernetes.io/audit': level,
              'pod-security.kubernetes.io/warn': level,
            },
          }
        : {}),
    },
  };
}

/** Deep merge for Helm values: the user's values win, arrays are replaced whole (as Helm does). */
export function mergeValues(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isPlain(current) && isPlain(value) ? mergeValues(current, value) : value;
  }
  return out;
}

function isPlain(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface AddonKit {
  helmChart: typeof helmChart;
  installerJob: typeof installerJob;
  namespace: typeof namespace;
  mergeValues: typeof mergeValues;
  installJobName: typeof installJobName;
  installerJobName: typeof installerJobName;
  KUBE_PRISM: typeof KUBE_PRISM;
  HELM_CONTROLLER_IMAGES: typeof HELM_CONTROLLER_IMAGES;
  LIFECYCLE_ANNOTATION: typeof LIFECYCLE_ANNOTATION;
}

export const addonKit: AddonKit = {
  helmChart,
  installerJob,
  namespace,
  mergeValues,
  installJobName,
  installerJobName,
  KUBE_PRISM,
  HELM_CONTROLLER_IMAGES,
  LIFECYCLE_ANNOTATION,
};

/**
 * What the k3s helm-controller and the Helm releases it installs do, as far as ordering and
 * readiness go (no chart is downloaded or rendered here):
 * - while a `helm-controller` Deployment in kube-system has an available replica, every HelmChart
 *   gets its install Job `helm-install-<name>` in its namespace (made again when the chart's spec
 *   changes) and `status.jobName`;
 * - Jobs run without pods here: one completes `podStart` after it was created, or fails when its
 *   values have `hk8sSandboxFail: <message>` — the values files of the Secret it mounts (as
 *   klipper-helm reads /config; hk8s's installer Job), else those of its release's HelmChart (the
 *   Job's own chart, or the chart its `NAME` env names);
 * - once the release `hcloud-cloud-controller-manager` is installed, the cloud controller sets every
 *   Node's providerID (`hcloud://<server id>`) and removes the uninitialized taint.
 */
import { createHash } from 'node:crypto';
import { parse } from 'yaml';
import { clone, isoSeconds, KUBE_DURATIONS, putIfChanged, TYPES, type ControllerContext } from './context.js';
import { builtin, type ResourceType } from './resources.js';
import { asArray, asObject, type JsonObject, type KubeObject } from './types.js';

const JOBS = builtin('jobs');
const SECRETS = builtin('secrets');
const CCM_RELEASE = 'hcloud-cloud-controller-manager';
const UNINITIALIZED = 'node.cloudprovider.kubernetes.io/uninitialized';
/** Values key that makes the sandbox fail a release's install, with its value as the Job's message. */
export const FAIL_VALUE = 'hk8sSandboxFail';

const specOf = (o: KubeObject) => asObject(o['spec']);
const conditionsOf = (o: KubeObject) => asArray(asObject(o['status'])['conditions']).map(asObject);

function helmChartType(ctx: ControllerContext): ResourceType | undefined {
  return ctx.objects.catalog.find('helm.cattle.io', 'v1', 'helmcharts');
}

function controllerRuns(ctx: ControllerContext): boolean {
  const deployment = ctx.objects.find(TYPES.deployments, 'kube-system', 'helm-controller');
  return Number(asObject(deployment?.['status'])['availableReplicas'] ?? 0) > 0;
}

function specHash(chart: KubeObject): string {
  return createHash('sha256')
    .update(JSON.stringify(specOf(chart)))
    .digest('hex')
    .slice(0, 16);
}

/** The release's failure message, when the sandbox is told to fail it. */
function failureOf(chart: KubeObject | undefined): string | undefined {
  return failValue(specOf(chart ?? ({} as KubeObject))['values']);
}

function failValue(values: unknown): string | undefined {
  const fail = asObject(values)[FAIL_VALUE];
  return typeof fail === 'string' && fail !== '' ? fail : undefined;
}

/**
 * The values the Job runs with, from the Secret it mounts: each data entry a values file. Undefined
 * when it mounts none (the helm-controller's own Jobs here), or it is not there yet.
 */
function mountedValues(ctx: ControllerContext, job: KubeObject): unknown[] | undefined {
  const volumes = asArray(asObject(asObject(specOf(job)['template'])['spec'])['volumes']).map(asObject);
  const name = volumes.map((v) => asObject(v['secret'])['secretName']).find((n) => typeof n === 'string');
  if (typeof name !== 'string') return undefined;
  const secret = ctx.objects.find(SECRETS, job.metadata.namespace ?? 'default', name);
  if (!secret) return undefined;
  return Object.values(asObject(secret['data'])).map((encoded) => {
    try {
      return parse(Buffer.from(String(encoded), 'base64').toString('utf8')) as unknown;
    } catch {
      return undefined;
    }
  });
}

function jobFailure(
  ctx: ControllerContext,
  job: KubeObject,
  chart: KubeObject | undefined,
): string | undefined {
  const mounted = mountedValues(ctx, job);
  if (mounted) return mounted.map(failValue).find((f) => f !== undefined);
  return failureOf(chart);
}

export function syncHelmCharts(ctx: ControllerContext): boolean {
  const type = helmChartType(ctx);
  if (!type || !controllerRuns(ctx)) return false;
  let changed = false;
  for (const chart of ctx.objects.list(type)) {
    if (chart.metadata.deletionTimestamp) continue;
    const namespace = chart.metadata.namespace ?? 'default';
    const name = `helm-install-${chart.metadata.name}`;
    const hash = specHash(chart);
    const job = ctx.objects.find(JOBS, namespace, name);
    if (job && job.metadata.annotations?.['helmcharts.helm.cattle.io/configHash'] !== hash) {
      ctx.objects.removeNow(JOBS, job);
      changed = true;
    }
    if (!job || job.metadata.annotations?.['helmcharts.helm.cattle.io/configHash'] !== hash) {
      ctx.objects.createAs(
        JOBS,
        {
          apiVersion: 'batch/v1',
          kind: 'Job',
          metadata: {
            name,
            namespace,
            uid: '',
            resourceVersion: '',
            creationTimestamp: '',
            labels: { 'helmcharts.helm.cattle.io/chart': chart.metadata.name },
            annotations: { 'helmcharts.helm.cattle.io/configHash': hash },
            ownerReferences: [
              {
                apiVersion: 'helm.cattle.io/v1',
                kind: 'HelmChart',
                name: chart.metadata.name,
                uid: chart.metadata.uid,
                controller: true,
              },
            ],
          },
          spec: {
            backoffLimit: Number(specOf(chart)['backOffLimit'] ?? 1000),
            template: {
              metadata: {},
              spec: {
                restartPolicy: 'OnFailure',
                containers: [
                  {
                    name: 'helm',
                    image: 'rancher/klipper-helm',
                    env: [{ name: 'NAME', value: chart.metadata.name }],
                  },
                ],
              },
            },
          },
        } as unknown as KubeObject,
        'helm-controller',
      );
      changed = true;
    }
    const next = clone(chart);
    next['status'] = { ...asObject(chart['status']), jobName: name };
    changed = putIfChanged(ctx, type, chart, next) || changed;
  }
  return changed;
}

function releaseOf(job: KubeObject): string | undefined {
  const containers = asArray(asObject(asObject(specOf(job)['template'])['spec'])['containers']).map(asObject);
  const env = containers.flatMap((c) => asArray(c['env']).map(asObject));
  const name = env.find((e) => e['name'] === 'NAME')?.['value'];
  return typeof name === 'string' ? name : undefined;
}

function finished(job: KubeObject): 'Complete' | 'Failed' | undefined {
  for (const c of conditionsOf(job)) {
    if ((c['type'] === 'Complete' || c['type'] === 'Failed') && c['status'] === 'True') return c['type'];
  }
  return undefined;
}

export function syncJobs(ctx: ControllerContext): boolean {
  const type = helmChartType(ctx);
  let changed = false;
  for (const job of ctx.objects.list(JOBS)) {
    if (finished(job) || job.metadata.deletionTimestamp) continue;
    const created = Date.parse(job.metadata.creationTimestamp ?? '') || ctx.now;
    if (ctx.now < created + KUBE_DURATIONS.podStart * ctx.speed) continue;
    const release = releaseOf(job);
    const chart = type && release ? ctx.objects.find(type, 'kube-system', release) : undefined;
    const failure = jobFailure(ctx, job, chart);
    const now = isoSeconds(ctx.now);
    const condition: JsonObject = failure
      ? {
          type: 'Failed',
          status: 'True',
          reason: 'BackoffLimitExceeded',
          message: `Job has reached the specified backoff limit: ${failure}`,
          lastTransitionTime: now,
        }
      : { type: 'Complete', status: 'True', lastTransitionTime: now };
    const next = clone(job);
    next['status'] = {
      ...asObject(job['status']),
      startTime: asObject(job['status'])['startTime'] ?? isoSeconds(created),
      ...(failure ? { failed: 1 } : { succeeded: 1, completionTime: now }),
      conditions: [condition],
    };
    changed = putIfChanged(ctx, JOBS, job, next) || changed;
  }
  return changed;
}

/** Whether a release is installed: its helm-controller or hk8s installer Job completed. */
export function releaseInstalled(ctx: ControllerContext, release: string): boolean {
  return ctx.objects
    .list(JOBS)
    .some(
      (job) =>
        (job.metadata.name === `helm-install-${release}` ||
          job.metadata.name === `hk8s-install-${release}`) &&
        finished(job) === 'Complete',
    );
}

/** The hcloud cloud controller's node initialization. */
export function syncCloudController(
  ctx: ControllerContext,
  serverIdOf: (node: string) => number | undefined,
): boolean {
  if (!releaseInstalled(ctx, CCM_RELEASE)) return false;
  let changed = false;
  for (const node of ctx.objects.list(TYPES.nodes)) {
    const id = serverIdOf(node.metadata.name);
    if (id === undefined) continue;
    const next = clone(node);
    const spec = specOf(next);
    spec['providerID'] = `hcloud://${id}`;
    const taints = asArray(spec['taints'])
      .map(asObject)
      .filter((t) => t['key'] !== UNINITIALIZED);
    if (taints.length > 0) spec['taints'] = taints;
    else delete spec['taints'];
    next['spec'] = spec;
    changed = putIfChanged(ctx, TYPES.nodes, node, next) || changed;
  }
  return changed;
}

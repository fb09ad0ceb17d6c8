/**
 * Talos etcd backups to S3 (on by default, as in the reference module): the talos-backup CronJob
 * in kube-system, suspended until a bucket is set. Its S3 keys are in the Secret
 * `talos-backup-s3-secrets` (or a Secret the operator names). Its Talos credentials come from a
 * `talos.dev` ServiceAccount with role `os:etcd:backup`, for which Talos writes the Secret
 * `talos-backup-secrets` (hk8s enables that role on control planes); it is rendered only once a
 * bucket is set, as nothing uses it while the CronJob is suspended.
 */
import type { AddonDefinition, AddonHook, AddonHookOptions, ClusterContext, KubeObject } from 'hk8s/addon';
import { parseHcloudUrl, settingsSchema, type Settings } from './schema.js';

const NAMESPACE = 'kube-system';
const NAME = 'talos-backup';
const TALOS_SECRET = 'talos-backup-secrets';
const S3_SECRET = 'talos-backup-s3-secrets';
const CONTROL_PLANE = 'node-role.kubernetes.io/control-plane';

/** Bucket, region and endpoint, from the URL or the separate settings; no bucket: suspended. */
export function s3Target(settings: Settings): { bucket?: string; region?: string; endpoint?: string } {
  const parsed = settings.s3.hcloudUrl ? parseHcloudUrl(settings.s3.hcloudUrl) : undefined;
  if (parsed) return { bucket: parsed.bucket, region: parsed.region, endpoint: parsed.endpoint };
  return { bucket: settings.s3.bucket, region: settings.s3.region, endpoint: settings.s3.endpoint };
}

function env(context: ClusterContext<Settings>, secret: string): Array<Record<string, unknown>> {
  const s = context.settings;
  const target = s3Target(s);
  const plain: Record<string, string> = {
    CLUSTER_NAME: context.cluster.name,
    BUCKET: target.bucket ?? '',
    AWS_REGION: target.region ?? '',
    CUSTOM_S3_ENDPOINT: target.endpoint ?? '',
    S3_PREFIX: s.s3.prefix ?? '',
    USE_PATH_STYLE: String(s.s3.pathStyle),
    ENABLE_COMPRESSION: String(s.compression),
    ...(s.ageX25519PublicKey
      ? { AGE_X25519_PUBLIC_KEY: s.ageX25519PublicKey }
      : { DISABLE_ENCRYPTION: 'true' }),
  };
  const fromSecret = (name: string, key: string) => ({
    name,
    valueFrom: { secretKeyRef: { name: secret, key } },
  });
  return [
    fromSecret('AWS_ACCESS_KEY_ID', 'access_key'),
    fromSecret('AWS_SECRET_ACCESS_KEY', 'secret_key'),
    ...Object.entries(plain).map(([name, value]) => ({ name, value })),
  ];
}

function cronJob(context: ClusterContext<Settings>, secret: string): KubeObject {
  const s = context.settings;
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: NAME, namespace: NAMESPACE, labels: { 'app.kubernetes.io/name': NAME } },
    spec: {
      schedule: s.schedule,
      suspend: !s3Target(s).bucket,
      concurrencyPolicy: 'Forbid',
      jobTemplate: {
        spec: {
          template: {
            metadata: { labels: { 'app.kubernetes.io/name': NAME } },
            spec: {
              restartPolicy: 'OnFailure',
              securityContext: {
                runAsNonRoot: true,
                runAsUser: 1000,
                runAsGroup: 1000,
                fsGroup: 1000,
                seccompProfile: { type: 'RuntimeDefault' },
              },
              tolerations: [{ key: CONTROL_PLANE, operator: 'Exists', effect: 'NoSchedule' }],
              containers: [
                {
                  name: NAME,
                  image: `ghcr.io/siderolabs/talos-backup:${s.version}`,
                  workingDir: '/tmp',
                  env: env(context, secret),
                  securityContext: {
                    allowPrivilegeEscalation: false,
                    capabilities: { drop: ['ALL'] },
                    readOnlyRootFilesystem: true,
                  },
                  volumeMounts: [
                    { name: 'tmp', mountPath: '/tmp' },
                    { name: 'talos-secrets', mountPath: '/var/run/secrets/talos.dev' },
                  ],
                },
              ],
              volumes: [
                { name: 'tmp', emptyDir: {} },
                { name: 'talos-secrets', secret: { secretName: TALOS_SECRET } },
              ],
            },
          },
        },
      },
    },
  };
}

export function definition({ z }: AddonHookOptions): AddonDefinition<Settings> {
  return {
    contract: 1,
    name: 'talosBackup',
    version: '0.1.0',
    description: 'Talos etcd backups to S3 (talos-backup CronJob)',
    settings: settingsSchema(z),
    render: (context) => {
      const s = context.settings;
      const secret = s.s3.existingSecret ?? S3_SECRET;
      const objects: KubeObject[] = [];
      if (!s.s3.existingSecret) {
        objects.push({
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: S3_SECRET, namespace: NAMESPACE },
          type: 'Opaque',
          stringData: { access_key: s.s3.accessKeyId, secret_key: s.s3.secretAccessKey },
        });
      }
      if (s3Target(s).bucket) {
        objects.push({
          apiVersion: 'talos.dev/v1alpha1',
          kind: 'ServiceAccount',
          metadata: { name: TALOS_SECRET, namespace: NAMESPACE },
          spec: { roles: ['os:etcd:backup'] },
        });
      }
      objects.push(cronJob(context, secret));
      return objects;
    },
  };
}

const hook: AddonHook = async (options) => (options.contract === 1 ? [definition(options)] : []);
export default hook;

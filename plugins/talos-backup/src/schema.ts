/** The settings of `addons.talosBackup`, with the reference module's defaults. */
import type { z as Z } from 'zod';

/** `https://<bucket>.<region>.your-objectstorage.com`: a Hetzner Object Storage bucket URL. */
const HCLOUD_URL = /^https:\/\/([a-z0-9][a-z0-9.-]*[a-z0-9])\.([a-z0-9-]+)\.your-objectstorage\.com\/?$/;

export interface S3Target {
  bucket: string;
  region: string;
  endpoint: string | undefined;
}

/** Bucket, region and endpoint from a Hetzner Object Storage URL; undefined when it is not one. */
export function parseHcloudUrl(url: string): S3Target | undefined {
  const match = HCLOUD_URL.exec(url);
  if (!match?.[1] || !match[2]) return undefined;
  return { bucket: match[1], region: match[2], endpoint: `https://${match[2]}.your-objectstorage.com` };
}

export function settingsSchema(z: typeof Z) {
  const s3 = z
    .strictObject({
      hcloudUrl: z
        .string()
        .regex(HCLOUD_URL, { message: 'must be https://<bucket>.<region>.your-objectstorage.com' })
        .optional()
        .describe('A Hetzner Object Storage bucket URL: gives bucket, region and endpoint'),
      bucket: z.string().min(1).optional().describe('Backups are suspended until a bucket is set'),
      region: z.string().min(1).optional(),
      endpoint: z
        .url({ protocol: /^https?$/ })
        .optional()
        .describe('S3 endpoint (default: AWS)'),
      prefix: z.string().min(1).optional().describe('Key prefix inside the bucket'),
      pathStyle: z.boolean().default(false).describe('Path-style bucket addressing'),
      accessKeyId: z.string().default(''),
      secretAccessKey: z
        .string()
        .default('')
        .describe('Kept in the spec and hk8s state like any value you write; see existingSecret'),
      existingSecret: z
        .string()
        .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { message: 'must be a Secret name' })
        .optional()
        .describe('A Secret in kube-system with keys access_key and secret_key, instead of the two keys'),
    })
    .prefault({});
  return z
    .strictObject({
      enabled: z.boolean().default(true),
      version: z.string().min(1).default('v0.1.0-beta.3-3-g38dad7c').describe('talos-backup image tag'),
      schedule: z
        .string()
        .regex(/^\S+( \S+){4}$/, { message: 'must be a cron schedule of five fields' })
        .default('0 * * * *')
        .describe('Cron schedule (default: hourly)'),
      s3,
      ageX25519PublicKey: z
        .string()
        .regex(/^age1[02-9ac-hj-np-z]{58}$/, { message: 'must be an age X25519 public key (age1…)' })
        .optional()
        .describe('Encrypt backups to this key (default: not encrypted)'),
      compression: z.boolean().default(false),
    })
    .superRefine((value, ctx) => {
      const target = value.s3.hcloudUrl ? parseHcloudUrl(value.s3.hcloudUrl) : undefined;
      const bucket = value.s3.bucket ?? target?.bucket;
      if (value.s3.hcloudUrl && (value.s3.bucket || value.s3.region || value.s3.endpoint)) {
        ctx.addIssue({
          code: 'custom',
          path: ['s3', 'hcloudUrl'],
          message: 'gives bucket, region and endpoint; do not set them too',
        });
      }
      if (!bucket) return;
      if (!value.s3.region && !target) {
        ctx.addIssue({ code: 'custom', path: ['s3', 'region'], message: 'is required when a bucket is set' });
      }
      const inline = value.s3.accessKeyId !== '' || value.s3.secretAccessKey !== '';
      if (value.s3.existingSecret && inline) {
        ctx.addIssue({
          code: 'custom',
          path: ['s3', 'existingSecret'],
          message: 'replaces accessKeyId and secretAccessKey; set one or the other',
        });
      } else if (!value.s3.existingSecret) {
        for (const key of ['accessKeyId', 'secretAccessKey'] as const) {
          if (value.s3[key] === '') {
            ctx.addIssue({
              code: 'custom',
              path: ['s3', key],
              message: 'is required when a bucket is set (or name s3.existingSecret)',
            });
          }
        }
      }
    })
    .describe('Talos etcd backups to S3 (a CronJob, suspended until a bucket is set)');
}

export type Settings = Z.output<ReturnType<typeof settingsSchema>>;

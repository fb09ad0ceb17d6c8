/**
 * The Hetzner Cloud CSI driver. Volumes of the default StorageClass are LUKS-encrypted with a
 * passphrase hk8s generates once and keeps in its event log (existing volumes need the same one,
 * so it is never rotated). The token comes from the `hcloud` Secret of the cloud controller.
 */
import type { z as Z } from 'zod';
import type { AddonDefinition, AddonHook, AddonHookOptions } from 'hk8s/addon';

function settingsSchema(z: typeof Z) {
  const storageClass = z.strictObject({
    name: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { message: 'must be a DNS-1123 name' }),
    encrypted: z.boolean(),
    reclaimPolicy: z.enum(['Delete', 'Retain']).default('Delete'),
    defaultStorageClass: z.boolean().default(false),
    extraParameters: z.record(z.string(), z.string()).default({}),
  });
  return z
    .strictObject({
      enabled: z.boolean().default(true),
      chart: z
        .strictObject({
          repository: z.string().min(1).default('https://charts.hetzner.cloud'),
          name: z.string().min(1).default('hcloud-csi'),
          version: z.string().min(1).default('2.22.1'),
        })
        .prefault({}),
      values: z
        .record(z.string(), z.unknown())
        .default({})
        .describe('Helm values, merged over what hk8s sets'),
      storageClasses: z.array(storageClass).default([
        {
          name: 'hcloud-volumes-encrypted',
          encrypted: true,
          reclaimPolicy: 'Delete',
          defaultStorageClass: true,
          extraParameters: {},
        },
        {
          name: 'hcloud-volumes',
          encrypted: false,
          reclaimPolicy: 'Delete',
          defaultStorageClass: false,
          extraParameters: {},
        },
      ]),
      volumeExtraLabels: z.record(z.string(), z.string()).default({}),
    })
    .superRefine((s, context) => {
      if (s.storageClasses.filter((c) => c.defaultStorageClass).length > 1) {
        context.addIssue({
          code: 'custom',
          path: ['storageClasses'],
          message: 'at most one storage class may be the default',
        });
      }
    })
    .describe('The Hetzner Cloud CSI driver');
}

type Settings = Z.output<ReturnType<typeof settingsSchema>>;

export function definition({ z, kit }: AddonHookOptions): AddonDefinition<Settings> {
  return {
    contract: 1,
    name: 'hcloudCsi',
    version: '0.1.0',
    description: 'Hetzner Cloud CSI driver with encrypted volumes',
    settings: settingsSchema(z),
    dependsOn: ['hcloudCcm', 'helmController'],
    secrets: [{ name: 'encryption-passphrase', bytes: 32, encoding: 'hex' }],
    render: (context) => {
      const s = context.settings;
      const replicas = context.nodes.controlPlanes > 1 ? 2 : 1;
      const storageClasses = s.storageClasses.map((c) => ({
        name: c.name,
        defaultStorageClass: c.defaultStorageClass,
        reclaimPolicy: c.reclaimPolicy,
        extraParameters: {
          ...(c.encrypted
            ? {
                'csi.storage.k8s.io/node-publish-secret-name': 'hcloud-csi-secret',
                'csi.storage.k8s.io/node-publish-secret-namespace': 'kube-system',
              }
            : {}),
          ...c.extraParameters,
        },
      }));
      const values = kit.mergeValues(
        {
          global: { enableProvidedByTopology: true },
          controller: {
            replicaCount: replicas,
            podDisruptionBudget: { create: true, minAvailable: null, maxUnavailable: '1' },
            nodeSelector: { 'node-role.kubernetes.io/control-plane': '' },
            tolerations: [
              { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule', operator: 'Exists' },
            ],
            volumeExtraLabels: s.volumeExtraLabels,
          },
          storageClasses,
        },
        s.values,
      );
      return [
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'hcloud-csi-secret', namespace: 'kube-system' },
          type: 'Opaque',
          stringData: { 'encryption-passphrase': context.secret('encryption-passphrase') },
        },
        kit.helmChart({
          release: 'hcloud-csi',
          chart: s.chart.name,
          repo: s.chart.repository,
          version: s.chart.version,
          targetNamespace: 'kube-system',
          values,
        }),
      ];
    },
  };
}

const hook: AddonHook = async (options) => (options.contract === 1 ? [definition(options)] : []);
export default hook;

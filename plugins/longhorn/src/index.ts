/**
 * Longhorn (off by default, as in the reference module) in `longhorn-system`, which hk8s creates
 * with Pod Security `privileged`. When it is on, hk8s also adds the Talos extensions Longhorn needs
 * (iscsi-tools, util-linux-tools) and the kubelet mount of /var/lib/longhorn to the machine
 * configs (src/talos/config), so the nodes can run it.
 */
import type { z as Z } from 'zod';
import type { AddonDefinition, AddonHook, AddonHookOptions } from 'hk8s/addon';

const NAMESPACE = 'longhorn-system';

function settingsSchema(z: typeof Z) {
  return z
    .strictObject({
      enabled: z.boolean().default(false),
      chart: z
        .strictObject({
          repository: z.string().min(1).default('https://charts.longhorn.io'),
          name: z.string().min(1).default('longhorn'),
          version: z.string().min(1).default('1.11.3'),
        })
        .prefault({}),
      values: z
        .record(z.string(), z.unknown())
        .default({})
        .describe('Helm values, merged over what hk8s sets'),
      defaultStorageClass: z.boolean().default(false).describe('Make the longhorn StorageClass the default'),
    })
    .describe('Longhorn distributed block storage');
}

type Settings = Z.output<ReturnType<typeof settingsSchema>>;

export function definition({ z, kit }: AddonHookOptions): AddonDefinition<Settings> {
  return {
    contract: 1,
    name: 'longhorn',
    version: '0.1.0',
    description: 'Longhorn (replicated block storage on the nodes’ disks)',
    settings: settingsSchema(z),
    dependsOn: ['helmController'],
    render: (context) => {
      const s = context.settings;
      const values = kit.mergeValues(
        {
          defaultSettings: {
            allowCollectingLonghornUsageMetrics: false,
            kubernetesClusterAutoscalerEnabled: context.pools.autoscaler.length > 0,
            upgradeChecker: false,
          },
          networkPolicies: { enabled: true, type: 'rke1' },
          persistence: { defaultClass: s.defaultStorageClass },
        },
        s.values,
      );
      return [
        kit.namespace(NAMESPACE, { privileged: true }),
        kit.helmChart({
          release: 'longhorn',
          chart: s.chart.name,
          repo: s.chart.repository,
          version: s.chart.version,
          targetNamespace: NAMESPACE,
          values,
        }),
      ];
    },
  };
}

const hook: AddonHook = async (options) => (options.contract === 1 ? [definition(options)] : []);
export default hook;

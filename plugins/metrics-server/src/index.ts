/**
 * metrics-server, for `kubectl top` and autoscaling. It reads the kubelets over their approved
 * serving certificates (no insecure TLS), so it comes after the Talos cloud controller.
 */
import type { z as Z } from 'zod';
import type { AddonDefinition, AddonHook, AddonHookOptions } from 'hk8s/addon';

function settingsSchema(z: typeof Z) {
  return z
    .strictObject({
      enabled: z.boolean().default(true),
      chart: z
        .strictObject({
          repository: z.string().min(1).default('https://kubernetes-sigs.github.io/metrics-server'),
          name: z.string().min(1).default('metrics-server'),
          version: z.string().min(1).default('3.13.1'),
        })
        .prefault({}),
      values: z
        .record(z.string(), z.unknown())
        .default({})
        .describe('Helm values, merged over what hk8s sets'),
      scheduleOnControlPlane: z.boolean().optional().describe('Default: when there are no workers'),
      replicas: z.int().min(1).optional().describe('Default: 2 with more than one eligible node, else 1'),
    })
    .describe('metrics-server');
}

type Settings = Z.output<ReturnType<typeof settingsSchema>>;

export function definition({ z, kit }: AddonHookOptions): AddonDefinition<Settings> {
  return {
    contract: 1,
    name: 'metricsServer',
    version: '0.1.0',
    description: 'metrics-server (resource metrics API)',
    settings: settingsSchema(z),
    dependsOn: ['talosCcm', 'helmController'],
    render: (context) => {
      const s = context.settings;
      const onControlPlane = s.scheduleOnControlPlane ?? context.nodes.workers === 0;
      const eligible = onControlPlane
        ? context.nodes.controlPlanes + context.nodes.workers
        : context.nodes.workers;
      const replicas = s.replicas ?? (eligible > 1 ? 2 : 1);
      const values = kit.mergeValues(
        {
          replicas,
          podDisruptionBudget: { enabled: true, maxUnavailable: 1 },
          topologySpreadConstraints: [
            {
              topologyKey: 'kubernetes.io/hostname',
              maxSkew: 1,
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: { 'app.kubernetes.io/instance': 'metrics-server' } },
            },
          ],
          ...(onControlPlane
            ? {
                nodeSelector: { 'node-role.kubernetes.io/control-plane': '' },
                tolerations: [
                  { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule', operator: 'Exists' },
                ],
              }
            : {}),
        },
        s.values,
      );
      return [
        kit.helmChart({
          release: 'metrics-server',
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

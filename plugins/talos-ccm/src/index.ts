/**
 * The Talos cloud controller manager, only its node-csr-approval controller: it approves the
 * kubelets' serving-certificate requests (Talos rotates them), which metrics-server, `kubectl logs`
 * and `kubectl exec` need. Host network and tolerant of not-ready nodes, so installed early.
 */
import type { z as Z } from 'zod';
import type { AddonDefinition, AddonHook, AddonHookOptions } from 'hk8s/addon';

function settingsSchema(z: typeof Z) {
  return z
    .strictObject({
      enabled: z.boolean().default(true),
      chart: z
        .strictObject({
          repository: z.string().min(1).default('oci://ghcr.io/siderolabs/charts'),
          name: z.string().min(1).default('talos-cloud-controller-manager'),
          version: z.string().min(1).default('0.5.5'),
        })
        .prefault({}),
      values: z
        .record(z.string(), z.unknown())
        .default({})
        .describe('Helm values, merged over what hk8s sets'),
    })
    .describe('The Talos cloud controller manager (serving-certificate approval)');
}

type Settings = Z.output<ReturnType<typeof settingsSchema>>;

export function definition({ z, kit }: AddonHookOptions): AddonDefinition<Settings> {
  return {
    contract: 1,
    name: 'talosCcm',
    version: '0.1.0',
    description: 'Talos cloud controller manager: approves kubelet serving certificates',
    settings: settingsSchema(z),
    dependsOn: ['cilium', 'helmController'],
    beforeReady: true,
    render: ({ settings: s }) => {
      const oci = s.chart.repository.startsWith('oci://');
      const chart = {
        release: 'talos-cloud-controller-manager',
        chart: oci ? `${s.chart.repository.replace(/\/$/, '')}/${s.chart.name}` : s.chart.name,
        ...(oci ? {} : { repo: s.chart.repository }),
        version: s.chart.version,
        targetNamespace: 'kube-system',
        values: kit.mergeValues(
          {
            enabledControllers: ['node-csr-approval'],
            daemonSet: { enabled: true },
            nodeSelector: { 'node-role.kubernetes.io/control-plane': '' },
          },
          s.values,
        ),
      };
      return [...kit.installerJob(chart), kit.helmChart(chart)];
    },
  };
}

const hook: AddonHook = async (options) => (options.contract === 1 ? [definition(options)] : []);
export default hook;

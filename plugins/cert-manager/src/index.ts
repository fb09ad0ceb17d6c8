/** cert-manager (off by default, as in the reference module), in its own namespace, CRDs included. */
import type { z as Z } from 'zod';
import type { AddonDefinition, AddonHook, AddonHookOptions } from 'hk8s/addon';

function settingsSchema(z: typeof Z) {
  return z
    .strictObject({
      enabled: z.boolean().default(false),
      chart: z
        .strictObject({
          repository: z.string().min(1).default('https://charts.jetstack.io'),
          name: z.string().min(1).default('cert-manager'),
          version: z.string().min(1).default('v1.20.3'),
        })
        .prefault({}),
      values: z
        .record(z.string(), z.unknown())
        .default({})
        .describe('Helm values, merged over what hk8s sets'),
    })
    .describe('cert-manager');
}

type Settings = Z.output<ReturnType<typeof settingsSchema>>;

export function definition({ z, kit }: AddonHookOptions): AddonDefinition<Settings> {
  return {
    contract: 1,
    name: 'certManager',
    version: '0.1.0',
    description: 'cert-manager (certificates from ACME and other issuers)',
    settings: settingsSchema(z),
    dependsOn: ['helmController'],
    render: (context) => {
      const s = context.settings;
      const replicas = context.nodes.controlPlanes > 1 ? 2 : 1;
      const placement = {
        replicaCount: replicas,
        podDisruptionBudget: { enabled: true, maxUnavailable: 1 },
        nodeSelector: { 'node-role.kubernetes.io/control-plane': '' },
        tolerations: [
          { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule', operator: 'Exists' },
        ],
      };
      const values = kit.mergeValues(
        {
          crds: { enabled: true },
          startupapicheck: { enabled: false },
          config: {
            apiVersion: 'controller.config.cert-manager.io/v1alpha1',
            kind: 'ControllerConfiguration',
            enableGatewayAPI: context.enabled('gatewayApiCrds'),
            featureGates: { ACMEHTTP01IngressPathTypeExact: !context.enabled('ingressNginx') },
          },
          ...placement,
          webhook: placement,
          cainjector: placement,
        },
        s.values,
      );
      return [
        kit.namespace('cert-manager'),
        kit.helmChart({
          release: 'cert-manager',
          chart: s.chart.name,
          repo: s.chart.repository,
          version: s.chart.version,
          targetNamespace: 'cert-manager',
          values,
        }),
      ];
    },
  };
}

const hook: AddonHook = async (options) => (options.contract === 1 ? [definition(options)] : []);
export default hook;

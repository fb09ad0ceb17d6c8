/**
 * The k3s helm-controller, as hk8s runs it: its own manifests (the upstream ones pin stale images
 * and run as the default service account), kube-system, host network, the API through KubePrism,
 * tolerating every taint a node has before it is Ready, so the Helm-based addons can be installed
 * from inside the cluster and hk8s needs no Helm binary.
 */
import type { AddonDefinition, AddonHook, AddonHookOptions, KubeObject } from 'hk8s/addon';

export const NAME = 'helmController';

const CONTROL_PLANE = 'node-role.kubernetes.io/control-plane';

/** What a node carries before the CNI and the cloud controller have run. */
const EARLY_TOLERATIONS = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.cloudprovider.kubernetes.io/uninitialized', operator: 'Exists', effect: 'NoSchedule' },
  { key: CONTROL_PLANE, operator: 'Exists', effect: 'NoSchedule' },
  { key: 'CriticalAddonsOnly', operator: 'Exists' },
];

/** Install Jobs run once Cilium is up, but may come before the cloud controller has untainted a node. */
const JOB_TOLERATIONS = [
  { key: 'node.cloudprovider.kubernetes.io/uninitialized', operator: 'Exists', effect: 'NoSchedule' },
  { key: CONTROL_PLANE, operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' },
];

function crd(plural: string, kind: string, shortName: string): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.helm.cattle.io` },
    spec: {
      group: 'helm.cattle.io',
      names: { plural, singular: kind.toLowerCase(), kind, listKind: `${kind}List`, shortNames: [shortName] },
      scope: 'Namespaced',
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              },
            },
          },
        },
      ],
    },
  };
}

function adminAccount(name: string): KubeObject[] {
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: 'kube-system' } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name, namespace: 'kube-system' }],
    },
  ];
}

export function definition({
  z,
  kit,
}: AddonHookOptions): AddonDefinition<{ enabled: boolean; replicas: number }> {
  const settings = z
    .strictObject({
      enabled: z.boolean().default(true).describe('Off only if no Helm-based addon is enabled'),
      replicas: z.int().min(1).max(3).default(1).describe('Controller replicas (leader-elected)'),
    })
    .describe('The k3s helm-controller that installs the Helm-based addons');
  return {
    contract: 1,
    name: NAME,
    version: '0.1.0',
    description: `k3s helm-controller ${kit.HELM_CONTROLLER_IMAGES.controller.split(':')[1]}`,
    settings,
    beforeReady: true,
    render: ({ settings: s }) => [
      crd('helmcharts', 'HelmChart', 'hc'),
      crd('helmchartconfigs', 'HelmChartConfig', 'hcc'),
      ...adminAccount('helm-controller'),
      ...adminAccount('hk8s-installer'),
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'helm-controller', namespace: 'kube-system', labels: { app: 'helm-controller' } },
        spec: {
          replicas: s.replicas,
          selector: { matchLabels: { app: 'helm-controller' } },
          template: {
            metadata: { labels: { app: 'helm-controller' } },
            spec: {
              serviceAccountName: 'helm-controller',
              hostNetwork: true,
              priorityClassName: 'system-cluster-critical',
              nodeSelector: { [CONTROL_PLANE]: '' },
              tolerations: EARLY_TOLERATIONS,
              containers: [
                {
                  name: 'helm-controller',
                  image: kit.HELM_CONTROLLER_IMAGES.controller,
                  args: ['helm-controller'],
                  env: [
                    { name: 'KUBERNETES_SERVICE_HOST', value: kit.KUBE_PRISM.host },
                    { name: 'KUBERNETES_SERVICE_PORT', value: String(kit.KUBE_PRISM.port) },
                    { name: 'DEFAULT_JOB_IMAGE', value: kit.HELM_CONTROLLER_IMAGES.job },
                    { name: 'JOB_CLUSTER_ROLE', value: 'cluster-admin' },
                    { name: 'JOB_TOLERATIONS', value: JSON.stringify(JOB_TOLERATIONS) },
                    { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
                  ],
                  resources: { requests: { cpu: '50m', memory: '64Mi' } },
                },
              ],
            },
          },
        },
      },
    ],
  };
}

const hook: AddonHook = async (options) => (options.contract === 1 ? [definition(options)] : []);
export default hook;

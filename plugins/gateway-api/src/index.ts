/**
 * The Gateway API CRDs (on by default, as in the reference module), from the project's release
 * manifest. hk8s has no copy of them and needs no access to GitHub: a Job in kube-system applies
 * the release's `<channel>-install.yaml` with kubectl, server-side, from inside the cluster (as
 * Talos does for remote manifests). The Job is named after the version and channel, so a new
 * version is a new Job. Disabling the addon removes the Job and its RBAC but keeps the CRDs:
 * deleting them would delete every Gateway and Route in the cluster.
 */
import type { z as Z } from 'zod';
import type { AddonDefinition, AddonHook, AddonHookOptions, KubeObject } from 'hk8s/addon';

const NAME = 'gateway-api-crds';
const NAMESPACE = 'kube-system';
const CONTROL_PLANE = 'node-role.kubernetes.io/control-plane';

function settingsSchema(z: typeof Z) {
  return z
    .strictObject({
      enabled: z.boolean().default(true),
      version: z
        .string()
        .regex(/^v\d+\.\d+\.\d+(?:-rc\.\d+)?$/, { message: 'must be a release tag such as v1.4.1' })
        .default('v1.4.1')
        .describe('Gateway API release'),
      channel: z.enum(['standard', 'experimental']).default('standard').describe('Release channel'),
      image: z
        .string()
        .min(1)
        .optional()
        .describe('kubectl image of the Job (default: registry.k8s.io/kubectl at the Kubernetes version)'),
    })
    .describe('Gateway API CRDs');
}

type Settings = Z.output<ReturnType<typeof settingsSchema>>;

export function manifestUrl(version: string, channel: string): string {
  return `https://github.com/kubernetes-sigs/gateway-api/releases/download/${version}/${channel}-install.yaml`;
}

/** `gateway-api-crds-v1-4-1-standard`: one Job per version and channel (Jobs cannot change). */
export function jobName(version: string, channel: string): string {
  return `${NAME}-${version.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}-${channel}`;
}

function rbac(): KubeObject[] {
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: NAME, namespace: NAMESPACE } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: `hk8s-${NAME}` },
      rules: [
        {
          apiGroups: ['apiextensions.k8s.io'],
          resources: ['customresourcedefinitions'],
          verbs: ['get', 'list', 'create', 'patch', 'update'],
        },
        {
          apiGroups: ['admissionregistration.k8s.io'],
          resources: ['validatingadmissionpolicies', 'validatingadmissionpolicybindings'],
          verbs: ['get', 'list', 'create', 'patch', 'update'],
        },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: `hk8s-${NAME}` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `hk8s-${NAME}` },
      subjects: [{ kind: 'ServiceAccount', name: NAME, namespace: NAMESPACE }],
    },
  ];
}

export function definition({ z, kit }: AddonHookOptions): AddonDefinition<Settings> {
  return {
    contract: 1,
    name: 'gatewayApiCrds',
    version: '0.1.0',
    description: 'Gateway API CRDs (gateway.networking.k8s.io)',
    settings: settingsSchema(z),
    render: (context) => {
      const { version, channel } = context.settings;
      const image = context.settings.image ?? `registry.k8s.io/kubectl:${context.versions.kubernetes}`;
      const job: KubeObject = {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: {
          name: jobName(version, channel),
          namespace: NAMESPACE,
          labels: { 'app.kubernetes.io/name': NAME, 'app.kubernetes.io/managed-by': 'hk8s' },
          annotations: { [kit.LIFECYCLE_ANNOTATION]: 'once' },
        },
        spec: {
          backoffLimit: 3,
          template: {
            metadata: { labels: { 'app.kubernetes.io/name': NAME } },
            spec: {
              serviceAccountName: NAME,
              restartPolicy: 'OnFailure',
              // The API through KubePrism on the host network: no dependence on Services or DNS.
              hostNetwork: true,
              tolerations: [{ key: CONTROL_PLANE, operator: 'Exists', effect: 'NoSchedule' }],
              containers: [
                {
                  name: 'kubectl',
                  image,
                  args: ['apply', '--server-side', '--force-conflicts', '-f', manifestUrl(version, channel)],
                  env: [
                    { name: 'KUBERNETES_SERVICE_HOST', value: context.endpoint.kubePrism.host },
                    { name: 'KUBERNETES_SERVICE_PORT', value: String(context.endpoint.kubePrism.port) },
                    // kubectl's discovery cache, on a writable volume.
                    { name: 'HOME', value: '/tmp' },
                  ],
                  volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
                  securityContext: {
                    allowPrivilegeEscalation: false,
                    runAsNonRoot: true,
                    runAsUser: 65534,
                    capabilities: { drop: ['ALL'] },
                    readOnlyRootFilesystem: true,
                  },
                },
              ],
              volumes: [{ name: 'tmp', emptyDir: {} }],
            },
          },
        },
      };
      return [...rbac(), job];
    },
  };
}

const hook: AddonHook = async (options) => (options.contract === 1 ? [definition(options)] : []);
export default hook;

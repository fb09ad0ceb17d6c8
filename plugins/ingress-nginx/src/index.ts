/**
 * ingress-nginx (off by default; deprecated, as upstream retired it), in its own namespace. Its
 * admission webhook certificates come from cert-manager, so it needs cert-manager. The controller
 * is reached through a Hetzner load balancer: the one hk8s creates in front of node ports
 * 30000/30001 when `loadBalancers.ingress.enabled` (the Service is then a NodePort), else one the
 * Hetzner cloud controller creates for a `LoadBalancer` Service, with the same settings.
 */
import type { z as Z } from 'zod';
import type { AddonDefinition, AddonHook, AddonHookOptions, ClusterContext } from 'hk8s/addon';

const NAMESPACE = 'ingress-nginx';
const LB = 'load-balancer.hetzner.cloud';

function settingsSchema(z: typeof Z) {
  return z
    .strictObject({
      enabled: z.boolean().default(false),
      chart: z
        .strictObject({
          repository: z.string().min(1).default('https://kubernetes.github.io/ingress-nginx'),
          name: z.string().min(1).default('ingress-nginx'),
          version: z.string().min(1).default('4.15.1'),
        })
        .prefault({}),
      values: z
        .record(z.string(), z.unknown())
        .default({})
        .describe('Helm values, merged over what hk8s sets'),
      kind: z.enum(['Deployment', 'DaemonSet']).default('Deployment'),
      replicas: z
        .int()
        .min(1)
        .optional()
        .describe('Default: 2 with fewer than 3 workers, else 3 (Deployment only)'),
      topologyAwareRouting: z.boolean().default(false),
      externalTrafficPolicy: z.enum(['Cluster', 'Local']).default('Cluster'),
      config: z.record(z.string(), z.string()).default({}).describe('Merged into the controller ConfigMap'),
    })
    .superRefine((value, ctx) => {
      if (value.kind === 'DaemonSet' && value.replicas !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['replicas'], message: 'must not be set with kind DaemonSet' });
      }
    })
    .describe('ingress-nginx (deprecated upstream)');
}

type Settings = Z.output<ReturnType<typeof settingsSchema>>;

function service(context: ClusterContext<Settings>): Record<string, unknown> {
  const lb = context.loadBalancers.ingress;
  const policy = context.settings.externalTrafficPolicy;
  if (lb.enabled) {
    return {
      type: 'NodePort',
      externalTrafficPolicy: policy,
      nodePorts: { http: 30000, https: 30001 },
    };
  }
  const location =
    context.pools.workers[0]?.location ??
    context.pools.autoscaler[0]?.location ??
    context.pools.controlPlane[0]?.location ??
    '';
  return {
    type: 'LoadBalancer',
    externalTrafficPolicy: policy,
    annotations: {
      [`${LB}/name`]: `${context.cluster.name}-ingress`,
      [`${LB}/location`]: location,
      [`${LB}/type`]: lb.type,
      [`${LB}/algorithm-type`]: lb.algorithm,
      [`${LB}/disable-public-network`]: String(!lb.publicNetwork),
      [`${LB}/disable-private-ingress`]: 'true',
      [`${LB}/use-private-ip`]: 'true',
      [`${LB}/uses-proxyprotocol`]: 'true',
      [`${LB}/health-check-interval`]: `${lb.healthCheck.interval}s`,
      [`${LB}/health-check-retries`]: String(lb.healthCheck.retries),
      [`${LB}/health-check-timeout`]: `${lb.healthCheck.timeout}s`,
    },
  };
}

function controller(context: ClusterContext<Settings>): Record<string, unknown> {
  const s = context.settings;
  const replicas = s.replicas ?? (context.nodes.workers < 3 ? 2 : 3);
  const realIpCidr =
    s.externalTrafficPolicy === 'Local' ? context.network.loadBalancerCidr : context.network.nodeCidr;
  return {
    admissionWebhooks: { certManager: { enabled: true } },
    kind: s.kind,
    ...(s.kind === 'Deployment' ? { replicaCount: replicas, minAvailable: null, maxUnavailable: 1 } : {}),
    watchIngressWithoutClass: true,
    enableTopologyAwareRouting: s.topologyAwareRouting,
    topologySpreadConstraints: [
      {
        topologyKey: 'kubernetes.io/hostname',
        maxSkew: 1,
        whenUnsatisfiable: s.kind === 'Deployment' ? 'DoNotSchedule' : 'ScheduleAnyway',
        labelSelector: {
          matchLabels: {
            'app.kubernetes.io/instance': 'ingress-nginx',
            'app.kubernetes.io/component': 'controller',
          },
        },
      },
    ],
    service: service(context),
    config: {
      'use-proxy-protocol': 'true',
      'compute-full-forwarded-for': 'true',
      'proxy-real-ip-cidr': realIpCidr,
      ...s.config,
    },
    networkPolicy: { enabled: true },
  };
}

export function definition({ z, kit }: AddonHookOptions): AddonDefinition<Settings> {
  return {
    contract: 1,
    name: 'ingressNginx',
    version: '0.1.0',
    description: 'ingress-nginx (Ingress controller)',
    deprecated:
      'upstream ingress-nginx is retired and gets no more fixes; move to the Gateway API (e.g. addons.cilium.gatewayApi)',
    settings: settingsSchema(z),
    dependsOn: ['certManager', 'helmController'],
    render: (context) => [
      kit.namespace(NAMESPACE),
      kit.helmChart({
        release: 'ingress-nginx',
        chart: context.settings.chart.name,
        repo: context.settings.chart.repository,
        version: context.settings.chart.version,
        targetNamespace: NAMESPACE,
        values: kit.mergeValues({ controller: controller(context) }, context.settings.values),
      }),
    ],
  };
}

const hook: AddonHook = async (options) => (options.contract === 1 ? [definition(options)] : []);
export default hook;

/**
 * The Hetzner Cloud controller manager: initializes nodes (providerID, addresses, zones, removes the
 * uninitialized taint), routes pod CIDRs in the private network (Cilium native routing needs them)
 * and provides Services of type LoadBalancer. Ships the `hcloud` Secret (token and network id)
 * that the CSI driver and the autoscaler read too.
 */
import type { z as Z } from 'zod';
import type { AddonDefinition, AddonHook, AddonHookOptions, ClusterContext } from 'hk8s/addon';

function settingsSchema(z: typeof Z) {
  const healthCheck = z
    .strictObject({
      interval: z.int().min(3).max(60).default(3).describe('Seconds between checks (3-60)'),
      retries: z.int().min(0).max(5).default(3),
      timeout: z.int().min(1).max(60).default(3).describe('Seconds per check, at most the interval'),
    })
    .prefault({})
    .refine((h) => h.timeout <= h.interval, {
      message: 'timeout must not exceed interval',
      path: ['timeout'],
    });
  return z
    .strictObject({
      enabled: z.boolean().default(true),
      chart: z
        .strictObject({
          repository: z.string().min(1).default('https://charts.hetzner.cloud'),
          name: z.string().min(1).default('hcloud-cloud-controller-manager'),
          version: z.string().min(1).default('1.35.0'),
        })
        .prefault({}),
      values: z
        .record(z.string(), z.unknown())
        .default({})
        .describe('Helm values, merged over what hk8s sets'),
      networkRoutes: z.boolean().default(true).describe('Pod routes in the Hetzner network'),
      loadBalancers: z
        .strictObject({
          enabled: z.boolean().default(true),
          location: z
            .string()
            .optional()
            .describe('Default: first worker, autoscaler, then control-plane pool location'),
          type: z.enum(['lb11', 'lb21', 'lb31']).default('lb11'),
          algorithm: z.enum(['round_robin', 'least_connections']).default('least_connections'),
          usePrivateIp: z.boolean().default(true),
          disablePrivateIngress: z.boolean().default(true),
          disablePublicNetwork: z.boolean().default(false),
          disableIpv6: z.boolean().default(false),
          usesProxyProtocol: z.boolean().default(false),
          healthCheck,
        })
        .prefault({}),
    })
    .describe('The Hetzner Cloud controller manager');
}

type Settings = Z.output<ReturnType<typeof settingsSchema>>;

function defaultLocation(context: ClusterContext<Settings>): string {
  const pools = [...context.pools.workers, ...context.pools.autoscaler, ...context.pools.controlPlane];
  return pools[0]?.location ?? '';
}

function env(
  context: ClusterContext<Settings>,
  kubePrism: { host: string; port: number },
): Record<string, { value: string }> {
  const lb = context.settings.loadBalancers;
  const pairs: Record<string, string | number | boolean> = {
    HCLOUD_LOAD_BALANCERS_ENABLED: lb.enabled,
    HCLOUD_LOAD_BALANCERS_LOCATION: lb.location ?? defaultLocation(context),
    HCLOUD_LOAD_BALANCERS_TYPE: lb.type,
    HCLOUD_LOAD_BALANCERS_ALGORITHM_TYPE: lb.algorithm,
    HCLOUD_LOAD_BALANCERS_USE_PRIVATE_IP: lb.usePrivateIp,
    HCLOUD_LOAD_BALANCERS_DISABLE_PRIVATE_INGRESS: lb.disablePrivateIngress,
    HCLOUD_LOAD_BALANCERS_DISABLE_PUBLIC_NETWORK: lb.disablePublicNetwork,
    HCLOUD_LOAD_BALANCERS_DISABLE_IPV6: lb.disableIpv6,
    HCLOUD_LOAD_BALANCERS_USES_PROXYPROTOCOL: lb.usesProxyProtocol,
    HCLOUD_LOAD_BALANCERS_HEALTH_CHECK_INTERVAL: `${lb.healthCheck.interval}s`,
    HCLOUD_LOAD_BALANCERS_HEALTH_CHECK_RETRIES: lb.healthCheck.retries,
    HCLOUD_LOAD_BALANCERS_HEALTH_CHECK_TIMEOUT: `${lb.healthCheck.timeout}s`,
    HCLOUD_LOAD_BALANCERS_PRIVATE_SUBNET_IP_RANGE: context.network.loadBalancerCidr,
    HCLOUD_NETWORK_ROUTES_ENABLED: context.settings.networkRoutes,
    KUBERNETES_SERVICE_HOST: kubePrism.host,
    KUBERNETES_SERVICE_PORT: kubePrism.port,
  };
  return Object.fromEntries(Object.entries(pairs).map(([key, value]) => [key, { value: String(value) }]));
}

export function definition({ z, kit }: AddonHookOptions): AddonDefinition<Settings> {
  return {
    contract: 1,
    name: 'hcloudCcm',
    version: '0.1.0',
    description: 'Hetzner Cloud controller manager with network routes and load balancers',
    settings: settingsSchema(z),
    dependsOn: ['cilium', 'helmController'],
    beforeReady: true,
    provides: ['cloud-controller'],
    render: (context) => {
      const s = context.settings;
      const values = kit.mergeValues(
        {
          kind: 'DaemonSet',
          nodeSelector: { 'node-role.kubernetes.io/control-plane': '' },
          networking: { enabled: true, clusterCIDR: context.network.podCidr },
          env: env(context, kit.KUBE_PRISM),
        },
        s.values,
      );
      const chart = {
        release: 'hcloud-cloud-controller-manager',
        chart: s.chart.name,
        repo: s.chart.repository,
        version: s.chart.version,
        targetNamespace: 'kube-system',
        values,
      };
      return [
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'hcloud', namespace: 'kube-system' },
          type: 'Opaque',
          stringData: { token: context.hcloud.token, network: context.network.id },
        },
        ...kit.installerJob(chart),
        kit.helmChart(chart),
      ];
    },
  };
}

const hook: AddonHook = async (options) => (options.contract === 1 ? [definition(options)] : []);
export default hook;

/**
 * Addons: first-party ones with typed options and the reference module's defaults; any other name is a
 * third-party plugin's addon, an open object that the plugin validates itself. Validated now; delivered
 * by the addon feature.
 */
import { z } from 'zod';
import { HelmChart, OpenObject, secretSource, strictObject } from './common.js';

const HealthCheck = strictObject({
  interval: z.int().min(3).max(60).default(3),
  retries: z.int().min(0).max(5).default(3),
  timeout: z.int().min(1).max(60).default(3),
}).prefault({});

const Cilium = strictObject({
  enabled: z.boolean().default(true),
  chart: HelmChart('https://helm.cilium.io', 'cilium', '1.19.6'),
  values: OpenObject,
  routingMode: z.enum(['native', 'tunnel']).optional().describe('Default: native (tunnel with bare metal)'),
  kubeProxyReplacement: z
    .boolean()
    .default(true)
    .describe('Also disables kube-proxy and enables BPF masquerade'),
  encryption: strictObject({
    enabled: z.boolean().default(true),
    type: z.enum(['wireguard', 'ipsec']).default('wireguard'),
    ipsec: strictObject({
      algorithm: z.string().default('rfc4106(gcm(aes))'),
      keySize: z.union([z.literal(128), z.literal(192), z.literal(256)]).default(256),
      keyId: z.int().min(1).max(15).default(1).describe('Bump to rotate the key'),
    }).prefault({}),
  }).prefault({}),
  bpfDatapathMode: z.enum(['veth', 'netkit', 'netkit-l2']).default('veth'),
  bpfHostLegacyRouting: z.boolean().optional().describe('Default: true with IPsec'),
  loadBalancerAcceleration: z.enum(['disabled', 'native', 'best-effort']).default('best-effort'),
  socketLbHostNamespaceOnly: z.boolean().default(false),
  policyCidrMatchMode: z.enum(['', 'nodes']).default(''),
  gatewayApi: strictObject({
    enabled: z.boolean().default(false),
    proxyProtocol: z.boolean().default(true),
    externalTrafficPolicy: z.enum(['Cluster', 'Local']).default('Cluster'),
  }).prefault({}),
  egressGateway: z.boolean().default(false).describe('Requires kubeProxyReplacement'),
  serviceMonitor: z.boolean().default(false),
  hubble: strictObject({
    enabled: z.boolean().default(false),
    relay: z.boolean().default(false).describe('Requires hubble.enabled'),
    ui: z.boolean().default(false).describe('Requires hubble.relay'),
  }).prefault({}),
}).prefault({});

const HcloudCcm = strictObject({
  enabled: z.boolean().default(true),
  chart: HelmChart('https://charts.hetzner.cloud', 'hcloud-cloud-controller-manager', '1.35.0'),
  values: OpenObject,
  networkRoutes: z.boolean().optional().describe('Pod routes in the Hetzner network (default: on)'),
  loadBalancers: strictObject({
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
    healthCheck: HealthCheck,
  }).prefault({}),
}).prefault({});

const StorageClass = strictObject({
  name: z.string().min(1),
  encrypted: z.boolean(),
  reclaimPolicy: z.enum(['Delete', 'Retain']).default('Delete'),
  defaultStorageClass: z.boolean().default(false),
  extraParameters: z.record(z.string(), z.string()).default({}),
});

const HcloudCsi = strictObject({
  enabled: z.boolean().default(true),
  chart: HelmChart('https://charts.hetzner.cloud', 'hcloud-csi', '2.22.1'),
  values: OpenObject,
  encryptionPassphrase: secretSource('the volume encryption passphrase', 'passphrase', 'HK8S_CSI_PASSPHRASE')
    .optional()
    .describe('Default: hk8s generates one and keeps it in its state'),
  storageClasses: z.array(StorageClass).default([
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
}).prefault({});

const simpleChartAddon = (enabled: boolean, repository: string, name: string, version: string) =>
  ({
    enabled: z.boolean().default(enabled),
    chart: HelmChart(repository, name, version),
    values: OpenObject,
  }) as const;

const TalosCcm = strictObject(
  simpleChartAddon(true, 'oci://ghcr.io/siderolabs/charts', 'talos-cloud-controller-manager', '0.5.5'),
).prefault({});

const MetricsServer = strictObject({
  ...simpleChartAddon(true, 'https://kubernetes-sigs.github.io/metrics-server', 'metrics-server', '3.13.1'),
  scheduleOnControlPlane: z.boolean().optional().describe('Default: when there are no untainted workers'),
  replicas: z.int().min(1).optional().describe('Default: 2 with more than one eligible node, else 1'),
}).prefault({});

const CertManager = strictObject(
  simpleChartAddon(false, 'https://charts.jetstack.io', 'cert-manager', 'v1.20.3'),
).prefault({});

const CertManagerWebhookHetzner = strictObject({
  ...simpleChartAddon(false, 'https://charts.hetzner.cloud', 'cert-manager-webhook-hetzner', '0.8.1'),
  groupName: z.string().min(1).default('acme.hetzner.com'),
}).prefault({});

const IngressNginx = strictObject({
  ...simpleChartAddon(false, 'https://kubernetes.github.io/ingress-nginx', 'ingress-nginx', '4.15.1'),
  deprecationIgnored: z
    .boolean()
    .default(false)
    .describe('Must be true to enable: ingress-nginx is retired upstream'),
  kind: z.enum(['Deployment', 'DaemonSet']).default('Deployment'),
  replicas: z
    .int()
    .min(1)
    .optional()
    .describe('Default: 2 with fewer than 3 workers, else 3; not with DaemonSet'),
  topologyAwareRouting: z.boolean().default(false),
  externalTrafficPolicy: z.enum(['Cluster', 'Local']).default('Cluster'),
  config: z.record(z.string(), z.unknown()).default({}).describe('Merged into the controller ConfigMap'),
}).prefault({});

const Longhorn = strictObject({
  ...simpleChartAddon(false, 'https://charts.longhorn.io', 'longhorn', '1.11.3'),
  defaultStorageClass: z.boolean().default(false),
}).prefault({});

const ClusterAutoscaler = strictObject({
  values: OpenObject.describe('Helm values; enable it and pick the chart under autoscaler'),
}).prefault({});

const TalosBackup = strictObject({
  enabled: z.boolean().default(true).describe('The CronJob is suspended until a bucket is configured'),
  version: z
    .string()
    .min(1)
    .default('v0.1.0-beta.3-3-g38dad7c')
    .describe('ghcr.io/siderolabs/talos-backup tag'),
  schedule: z.string().min(1).default('0 * * * *'),
  compression: z.boolean().default(false),
  ageX25519PublicKey: z
    .string()
    .regex(/^age1[0-9a-z]+$/, { message: 'must be an age public key (age1…)' })
    .optional(),
  s3: strictObject({
    hcloudUrl: z.string().optional().describe('https://<bucket>.<region>.your-objectstorage.com'),
    region: z.string().optional(),
    endpoint: z.string().optional(),
    bucket: z.string().optional(),
    prefix: z.string().optional(),
    pathStyle: z.boolean().default(false),
    accessKey: secretSource('the S3 access key', 'access key', 'HK8S_BACKUP_ACCESS_KEY').optional(),
    secretKey: secretSource('the S3 secret key', 'secret key', 'HK8S_BACKUP_SECRET_KEY').optional(),
  }).prefault({}),
}).prefault({});

const GatewayApiCrds = strictObject({
  enabled: z.boolean().default(true),
  version: z.string().min(1).default('v1.4.1'),
  releaseChannel: z.enum(['standard', 'experimental']).default('standard'),
}).prefault({});

const PrometheusOperatorCrds = strictObject({
  enabled: z.boolean().default(true),
  version: z.string().min(1).default('v0.93.1'),
}).prefault({});

export const knownAddonShape = {
  cilium: Cilium,
  hcloudCcm: HcloudCcm,
  hcloudCsi: HcloudCsi,
  talosCcm: TalosCcm,
  metricsServer: MetricsServer,
  certManager: CertManager,
  certManagerWebhookHetzner: CertManagerWebhookHetzner,
  ingressNginx: IngressNginx,
  longhorn: Longhorn,
  clusterAutoscaler: ClusterAutoscaler,
  talosBackup: TalosBackup,
  gatewayApiCrds: GatewayApiCrds,
  prometheusOperatorCrds: PrometheusOperatorCrds,
};

export const KNOWN_ADDONS = Object.keys(knownAddonShape) as Array<keyof typeof knownAddonShape>;

/** A third-party addon: only `enabled` is checked here; its plugin validates the rest. */
export const ThirdPartyAddon = z
  .looseObject({ enabled: z.boolean().default(true) })
  .describe('An addon from a plugin: { enabled, ... } validated by the plugin');

export const AddonsSchema = z
  .object(knownAddonShape)
  .catchall(ThirdPartyAddon)
  .prefault({})
  .describe('Addons by name: the built-in ones below, or any name a plugin provides');

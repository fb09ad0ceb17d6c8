/**
 * The `cluster` section of the v1alpha1 document. Workers carry only what `talosctl gen config` gives
 * them (talos-1.13.md §1.2): id, secret, endpoint, name, network, token, the Kubernetes CA certificate
 * without its key, and discovery. Everything else is control-plane only.
 */
import type { BuildContext } from './context.js';
import { componentImage } from './kubernetes.js';
import { base64, prune, sortKeys, sortedUnique, type PlainObject } from './objects.js';

const ETCD_METRICS = 'http://0.0.0.0:2381';

/** What `talosctl gen config` writes when no admission control is given (talos-1.13.md §1.1). */
function defaultAdmissionControl(): PlainObject[] {
  return [
    {
      name: 'PodSecurity',
      configuration: {
        apiVersion: 'pod-security.admission.config.k8s.io/v1alpha1',
        kind: 'PodSecurityConfiguration',
        defaults: {
          enforce: 'baseline',
          'enforce-version': 'latest',
          audit: 'restricted',
          'audit-version': 'latest',
          warn: 'restricted',
          'warn-version': 'latest',
        },
        exemptions: { namespaces: ['kube-system'], runtimeClasses: [], usernames: [] },
      },
    },
  ];
}

function oidcArgs(context: BuildContext): Record<string, string> {
  const oidc = context.spec.kubernetes.oidc;
  if (!oidc.enabled || !oidc.issuerUrl || !oidc.clientId) return {};
  return {
    'oidc-issuer-url': oidc.issuerUrl,
    'oidc-client-id': oidc.clientId,
    'oidc-username-claim': oidc.usernameClaim,
    'oidc-groups-claim': oidc.groupsClaim,
    'oidc-groups-prefix': oidc.groupsPrefix,
  };
}

function network(context: BuildContext): PlainObject {
  const { spec, layout } = context;
  return prune({
    cni: context.ciliumCni ? { name: 'none' } : undefined,
    dnsDomain: spec.cluster.domain,
    podSubnets: [layout.podCidr],
    serviceSubnets: [layout.serviceCidr],
  });
}

function discovery(context: BuildContext): PlainObject {
  const registries = context.spec.talos.discovery;
  return {
    enabled: registries.kubernetes || registries.service,
    registries: {
      kubernetes: { disabled: !registries.kubernetes },
      service: { disabled: !registries.service },
    },
  };
}

function controlPlaneOnly(context: BuildContext): PlainObject {
  const { spec, secrets, layout, cluster, versions } = context;
  const kubernetes = spec.kubernetes;
  const images = kubernetes.images;
  const image = (component: keyof typeof versions) => componentImage(spec, component, versions[component]);
  const admission = kubernetes.apiServer.admissionControl;
  return {
    secretboxEncryptionSecret: secrets.secrets.secretboxEncryptionSecret,
    aggregatorCA: {
      crt: base64(secrets.certs.k8sAggregator.crt),
      key: base64(secrets.certs.k8sAggregator.key),
    },
    serviceAccount: { key: base64(secrets.certs.k8sServiceAccount.key) },
    apiServer: {
      image: image('kube-apiserver'),
      certSANs: sortedUnique(cluster.certSANs),
      extraArgs: sortKeys({
        'enable-aggregator-routing': 'true',
        ...oidcArgs(context),
        ...kubernetes.apiServer.extraArgs,
      }),
      admissionControl: admission.length > 0 ? admission : defaultAdmissionControl(),
      auditPolicy: { apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [{ level: 'Metadata' }] },
    },
    controllerManager: {
      image: image('kube-controller-manager'),
      extraArgs: { 'bind-address': '0.0.0.0', 'cloud-provider': 'external' },
    },
    proxy: context.kubeProxyReplacement ? { disabled: true } : { image: image('kube-proxy') },
    scheduler: {
      image: image('kube-scheduler'),
      extraArgs: { 'bind-address': '0.0.0.0' },
    },
    etcd: prune({
      image: images.etcd,
      ca: { crt: base64(secrets.certs.etcd.crt), key: base64(secrets.certs.etcd.key) },
      extraArgs: { 'listen-metrics-urls': ETCD_METRICS },
      advertisedSubnets: [layout.controlPlaneSubnet],
    }),
    coreDNS: spec.talos.coreDns ? undefined : { disabled: true },
    externalCloudProvider: prune({ enabled: true, manifests: [...spec.talos.remoteManifests] }),
    inlineManifests: spec.talos.inlineManifests.map((manifest) => ({ ...manifest })),
    adminKubeconfig: { certLifetime: '87600h' },
    allowSchedulingOnControlPlanes: context.schedulableControlPlanes,
  };
}

export function clusterSection(context: BuildContext): PlainObject {
  const { spec, secrets, cluster } = context;
  const k8sCa = secrets.certs.k8s;
  return prune({
    id: secrets.cluster.id,
    secret: secrets.cluster.secret,
    controlPlane: { endpoint: cluster.endpoint },
    clusterName: spec.cluster.name,
    network: network(context),
    token: secrets.secrets.bootstrapToken,
    ca: { crt: base64(k8sCa.crt), key: context.controlPlane ? base64(k8sCa.key) : '' },
    ...(context.controlPlane ? controlPlaneOnly(context) : {}),
    discovery: discovery(context),
  });
}

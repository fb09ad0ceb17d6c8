/** The Helm values hk8s sets for Cilium (reference-module.md §2.1), then the user's values over them. */
import type { AddonKit, ClusterContext } from 'hk8s/addon';
import type { CiliumSettings } from './settings.js';

const AGENT_CAPABILITIES = [
  'CHOWN',
  'KILL',
  'NET_ADMIN',
  'NET_RAW',
  'IPC_LOCK',
  'SYS_ADMIN',
  'SYS_RESOURCE',
  'DAC_OVERRIDE',
  'FOWNER',
  'SETGID',
  'SETUID',
];

export function ciliumValues(
  context: ClusterContext<CiliumSettings>,
  kit: AddonKit,
): Record<string, unknown> {
  const s = context.settings;
  const ipsec = s.encryption.enabled && s.encryption.type === 'ipsec';
  const kpr = s.kubeProxyReplacement;
  const native = s.routingMode === 'native';
  const operatorReplicas = context.nodes.controlPlanes > 1 ? 2 : 1;
  const values: Record<string, unknown> = {
    ipam: { mode: 'kubernetes' },
    routingMode: s.routingMode,
    ...(native ? { ipv4NativeRoutingCIDR: context.network.cidr } : {}),
    policyCIDRMatchMode: s.policyCidrMatchMode,
    bpf: {
      masquerade: kpr,
      datapathMode: s.bpfDatapathMode,
      hostLegacyRouting: s.bpfHostLegacyRouting ?? ipsec,
    },
    encryption: {
      enabled: s.encryption.enabled,
      type: s.encryption.type,
      ...(ipsec ? { ipsec: { secretName: 'cilium-ipsec-keys' } } : {}),
    },
    k8s: { requireIPv4PodCIDR: true },
    k8sServiceHost: kit.KUBE_PRISM.host,
    k8sServicePort: kit.KUBE_PRISM.port,
    kubeProxyReplacement: kpr,
    ...(kpr ? { kubeProxyReplacementHealthzBindAddr: '0.0.0.0:10256' } : {}),
    ...(kpr && native ? { installNoConntrackIptablesRules: true } : {}),
    socketLB: { hostNamespaceOnly: s.socketLbHostNamespaceOnly },
    cgroup: { autoMount: { enabled: false }, hostRoot: '/sys/fs/cgroup' },
    securityContext: {
      capabilities: {
        ciliumAgent: AGENT_CAPABILITIES,
        cleanCiliumState: ['NET_ADMIN', 'SYS_ADMIN', 'SYS_RESOURCE'],
      },
    },
    dnsProxy: { enableTransparentMode: true },
    egressGateway: { enabled: s.egressGateway },
    loadBalancer: { acceleration: s.loadBalancerAcceleration },
    gatewayAPI: {
      enabled: s.gatewayApi.enabled,
      enableProxyProtocol: s.gatewayApi.proxyProtocol,
      enableAppProtocol: true,
      enableAlpn: true,
      externalTrafficPolicy: s.gatewayApi.externalTrafficPolicy,
      gatewayClass: { create: String(s.gatewayApi.enabled) },
    },
    hubble: {
      enabled: s.hubble.enabled,
      relay: { enabled: s.hubble.relay },
      ui: { enabled: s.hubble.ui },
      peerService: { clusterDomain: context.cluster.domain },
    },
    prometheus: { enabled: true, serviceMonitor: { enabled: false, trustCRDsExist: false } },
    operator: {
      replicas: operatorReplicas,
      nodeSelector: { 'node-role.kubernetes.io/control-plane': '' },
      podDisruptionBudget: { enabled: true, minAvailable: null, maxUnavailable: 1 },
      topologySpreadConstraints: ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'].map((key) => ({
        topologyKey: key,
        maxSkew: 1,
        whenUnsatisfiable: key === 'kubernetes.io/hostname' ? 'DoNotSchedule' : 'ScheduleAnyway',
        labelSelector: { matchLabels: { 'io.cilium/app': 'operator' } },
      })),
    },
  };
  return kit.mergeValues(values, s.values);
}

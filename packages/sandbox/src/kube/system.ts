/**
 * What Talos puts into every cluster: the system namespaces, the bootstrap manifests applied once
 * (CoreDNS Deployment with its Service and ConfigMap, the kube-proxy DaemonSet at the config's
 * `cluster.proxy.image`, the `kubernetes` Service), and the mirror pods of the static control-plane
 * pods on each control plane, each at its own `cluster.<component>.image`.
 */
import type { ConfigComponent, KubeFacts } from './machine.js';
import { TYPES, type ControllerContext } from './context.js';
import { toMeta, type KubeObject } from './types.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];
const MANAGER = 'talos';

const meta = (name: string, namespace: string | undefined, labels: Record<string, string> = {}) =>
  toMeta({ name, ...(namespace ? { namespace } : {}), labels });

export function ensureNamespaces(ctx: ControllerContext): boolean {
  let changed = false;
  for (const name of SYSTEM_NAMESPACES) {
    if (ctx.objects.find(TYPES.namespaces, undefined, name)) continue;
    ctx.objects.createAs(
      TYPES.namespaces,
      { apiVersion: 'v1', kind: 'Namespace', metadata: meta(name, undefined) },
      'kube-apiserver',
    );
    changed = true;
  }
  return changed;
}

const CRITICAL = [{ key: 'CriticalAddonsOnly', operator: 'Exists' }];

function coreDns(): KubeObject[] {
  const labels = { 'k8s-app': 'kube-dns' };
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta('coredns', 'kube-system'),
      data: {
        Corefile:
          '.:53 {\n    errors\n    health\n    ready\n    kubernetes cluster.local in-addr.arpa ip6.arpa\n    forward . /etc/resolv.conf\n    cache 30\n}\n',
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta('coredns', 'kube-system', { 'k8s-app': 'kube-dns', 'kubernetes.io/name': 'CoreDNS' }),
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
        template: {
          metadata: { labels },
          spec: {
            priorityClassName: 'system-cluster-critical',
            serviceAccountName: 'coredns',
            tolerations: [
              ...CRITICAL,
              { key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' },
            ],
            containers: [
              {
                name: 'coredns',
                image: 'registry.k8s.io/coredns/coredns:v1.12.4',
                args: ['-conf', '/etc/coredns/Corefile'],
                ports: [
                  { name: 'dns', containerPort: 53, protocol: 'UDP' },
                  { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
                ],
                volumeMounts: [{ name: 'config-volume', mountPath: '/etc/coredns', readOnly: true }],
              },
            ],
            volumes: [{ name: 'config-volume', configMap: { name: 'coredns' } }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta('kube-dns', 'kube-system', { 'k8s-app': 'kube-dns', 'kubernetes.io/name': 'CoreDNS' }),
      spec: {
        clusterIP: '10.96.0.10',
        clusterIPs: ['10.96.0.10'],
        selector: labels,
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
          { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
        ],
      },
    },
  ];
}

function kubeProxy(image: string): KubeObject {
  const labels = { 'k8s-app': 'kube-proxy' };
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: meta('kube-proxy', 'kube-system', { 'k8s-app': 'kube-proxy', tier: 'node' }),
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels: { ...labels, tier: 'node' } },
        spec: {
          hostNetwork: true,
          priorityClassName: 'system-node-critical',
          serviceAccountName: 'kube-proxy',
          tolerations: [{ operator: 'Exists' }],
          containers: [
            {
              name: 'kube-proxy',
              image,
              command: ['/usr/local/bin/kube-proxy', '--cluster-cidr=10.244.0.0/16', '--proxy-mode=iptables'],
              securityContext: { privileged: true },
            },
          ],
        },
      },
    },
  };
}

const KIND_TYPES: Record<string, typeof TYPES.pods> = {
  ConfigMap: TYPES.configmaps,
  Deployment: TYPES.deployments,
  Service: TYPES.services,
  DaemonSet: TYPES.daemonsets,
};

/** The manifests Talos's bootstrap applies; the caller records that they were applied. */
export function applyBootstrapManifests(ctx: ControllerContext, facts: KubeFacts): void {
  const manifests: KubeObject[] = [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta('kubernetes', 'default', { component: 'apiserver', provider: 'kubernetes' }),
      spec: {
        clusterIP: '10.96.0.1',
        clusterIPs: ['10.96.0.1'],
        ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }],
      },
    },
    ...(facts.coreDnsDisabled ? [] : coreDns()),
    ...(facts.proxyDisabled ? [] : [kubeProxy(facts.images['kube-proxy'])]),
  ];
  for (const m of manifests) {
    const type = KIND_TYPES[m.kind];
    if (!type || ctx.objects.find(type, m.metadata.namespace, m.metadata.name)) continue;
    ctx.objects.createAs(type, m, MANAGER);
  }
}

export const STATIC_PODS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const;
export type StaticPod = (typeof STATIC_PODS)[number] & ConfigComponent;

/** Talos stamps each static pod with the version of the config resource it was rendered from. */
export const CONFIG_VERSION_ANNOTATION = 'talos.dev/config-version';
export const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

export const mirrorPodName = (component: StaticPod, node: KubeObject) => `${component}-${node.metadata.name}`;

/** The hash the kubelet gives a static pod: it changes exactly when the pod's definition does. */
export function mirrorHash(component: StaticPod, facts: KubeFacts): string {
  return hashOf(`${component}${facts.images[component]}`);
}

/**
 * The mirror pod the kubelet of a control plane posts for one static pod, as it starts: Pending,
 * so it is briefly not Ready (the kubelets make it Running/Ready after the pod start time).
 * `configVersion` is Talos's counter, bumped on every new definition.
 */
export function mirrorPod(
  node: KubeObject,
  component: StaticPod,
  facts: KubeFacts,
  configVersion: number,
): KubeObject {
  const image = facts.images[component];
  const hash = mirrorHash(component, facts);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...meta(mirrorPodName(component, node), 'kube-system', {
        'k8s-app': component,
        component,
        tier: 'control-plane',
      }),
      annotations: {
        'kubernetes.io/config.hash': hash,
        [MIRROR_ANNOTATION]: hash,
        'kubernetes.io/config.source': 'file',
        [CONFIG_VERSION_ANNOTATION]: String(configVersion),
      },
      ownerReferences: [
        {
          apiVersion: 'v1',
          kind: 'Node',
          name: node.metadata.name,
          uid: node.metadata.uid,
          controller: true,
        },
      ],
    },
    spec: {
      nodeName: node.metadata.name,
      hostNetwork: true,
      priorityClassName: 'system-cluster-critical',
      tolerations: [{ operator: 'Exists', effect: 'NoExecute' }],
      containers: [{ name: component, image, command: [`/usr/local/bin/${component}`] }],
    },
    status: { phase: 'Pending' },
  };
}

function hashOf(text: string): string {
  let h = 0x811c9dc5;
  for (const ch of text) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0').repeat(4);
}

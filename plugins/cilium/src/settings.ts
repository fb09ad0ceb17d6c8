/** `addons.cilium`: the reference module's Cilium variables, with its defaults. */
import type { z as Z } from 'zod';

export function chartSettings(z: typeof Z, repository: string, name: string, version: string) {
  return z
    .strictObject({
      repository: z
        .string()
        .min(1)
        .default(repository)
        .describe('Helm repository URL (https://) or oci:// prefix'),
      name: z.string().min(1).default(name).describe('Chart name'),
      version: z.string().min(1).default(version).describe('Chart version'),
    })
    .prefault({})
    .describe(`Helm chart (default ${name} ${version} from ${repository})`);
}

export function ciliumSettings(z: typeof Z) {
  return z
    .strictObject({
      enabled: z.boolean().default(true),
      chart: chartSettings(z, 'https://helm.cilium.io', 'cilium', '1.19.6'),
      values: z
        .record(z.string(), z.unknown())
        .default({})
        .describe('Helm values, merged over what hk8s sets'),
      routingMode: z.enum(['native', 'tunnel']).default('native'),
      kubeProxyReplacement: z
        .boolean()
        .default(true)
        .describe('Also disables kube-proxy and enables BPF masquerade'),
      encryption: z
        .strictObject({
          enabled: z.boolean().default(true),
          type: z.enum(['wireguard', 'ipsec']).default('wireguard'),
          ipsec: z
            .strictObject({
              algorithm: z.string().default('rfc4106(gcm(aes))'),
              keySize: z.union([z.literal(128), z.literal(192), z.literal(256)]).default(256),
              keyId: z.int().min(1).max(15).default(1).describe('Bump to rotate the key'),
            })
            .prefault({}),
        })
        .prefault({}),
      bpfDatapathMode: z.enum(['veth', 'netkit', 'netkit-l2']).default('veth'),
      bpfHostLegacyRouting: z.boolean().optional().describe('Default: true with IPsec'),
      loadBalancerAcceleration: z.enum(['disabled', 'native', 'best-effort']).default('best-effort'),
      socketLbHostNamespaceOnly: z.boolean().default(false),
      policyCidrMatchMode: z.enum(['', 'nodes']).default(''),
      gatewayApi: z
        .strictObject({
          enabled: z.boolean().default(false),
          proxyProtocol: z.boolean().default(true),
          externalTrafficPolicy: z.enum(['Cluster', 'Local']).default('Cluster'),
        })
        .prefault({}),
      egressGateway: z.boolean().default(false).describe('Requires kubeProxyReplacement'),
      hubble: z
        .strictObject({
          enabled: z.boolean().default(false),
          relay: z.boolean().default(false).describe('Requires hubble.enabled'),
          ui: z.boolean().default(false).describe('Requires hubble.relay'),
        })
        .prefault({}),
    })
    .superRefine((s, context) => {
      if (s.hubble.relay && !s.hubble.enabled) {
        context.addIssue({
          code: 'custom',
          path: ['hubble', 'relay'],
          message: 'needs hubble.enabled: true',
        });
      }
      if (s.hubble.ui && !s.hubble.relay) {
        context.addIssue({ code: 'custom', path: ['hubble', 'ui'], message: 'needs hubble.relay: true' });
      }
      if (s.egressGateway && !s.kubeProxyReplacement) {
        context.addIssue({
          code: 'custom',
          path: ['egressGateway'],
          message: 'needs kubeProxyReplacement: true',
        });
      }
    })
    .describe('Cilium: the CNI, kube-proxy replacement and network encryption');
}

export type CiliumSettings = Z.output<ReturnType<typeof ciliumSettings>>;

/**
 * Cilium, the CNI: nodes are NotReady until it runs, so it is installed by hk8s's host-network
 * installer Job first and then adopted by a HelmChart of the same release name.
 */
import type { AddonDefinition, AddonHook, AddonHookOptions, KubeObject } from 'hk8s/addon';
import { ciliumSettings, type CiliumSettings } from './settings.js';
import { ciliumValues } from './values.js';

const IPSEC_KEY_IDS = Array.from({ length: 15 }, (_, i) => i + 1);
const IPSEC_KEY_SIZES = [128, 192, 256] as const;

/** rfc4106 takes the key plus a 4-byte salt; the key size is in bits. */
function ipsecKeyBytes(keySize: number): number {
  return keySize / 8 + 4;
}

export function definition({ z, kit }: AddonHookOptions): AddonDefinition<CiliumSettings> {
  return {
    contract: 1,
    name: 'cilium',
    version: '0.1.0',
    description: 'Cilium CNI with kube-proxy replacement and WireGuard or IPsec encryption',
    settings: ciliumSettings(z),
    dependsOn: ['helmController'],
    beforeReady: true,
    provides: ['cni'],
    // One key per key id and size, drawn when first used: bumping the key id rotates the key.
    secrets: IPSEC_KEY_IDS.flatMap((id) =>
      IPSEC_KEY_SIZES.map((size) => ({
        name: `ipsec-key-${id}-${size}`,
        bytes: ipsecKeyBytes(size),
        encoding: 'hex' as const,
      })),
    ),
    render: (context) => {
      const s = context.settings;
      const chart = {
        release: 'cilium',
        chart: s.chart.name,
        repo: s.chart.repository,
        version: s.chart.version,
        targetNamespace: 'kube-system',
        values: ciliumValues(context, kit),
        failurePolicy: 'abort' as const,
      };
      const objects: KubeObject[] = [];
      if (s.encryption.enabled && s.encryption.type === 'ipsec') {
        const { keyId, algorithm, keySize } = s.encryption.ipsec;
        objects.push({
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: {
            name: 'cilium-ipsec-keys',
            namespace: 'kube-system',
            annotations: {
              'cilium.io/key-id': String(keyId),
              'cilium.io/key-algorithm': algorithm,
              'cilium.io/key-size': String(keySize),
            },
          },
          type: 'Opaque',
          stringData: {
            keys: `${keyId}+ ${algorithm} ${context.secret(`ipsec-key-${keyId}-${keySize}`)} 128`,
          },
        });
      }
      return [...objects, ...kit.installerJob(chart), kit.helmChart(chart)];
    },
  };
}

const hook: AddonHook = async (options) => (options.contract === 1 ? [definition(options)] : []);
export default hook;

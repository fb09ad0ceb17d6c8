/**
 * The `machine` section of the v1alpha1 document, as the reference module builds it (§3 "Common patch",
 * "Control-plane patch", "Worker patch") in the field names the 1.12/1.13 schemas accept.
 */
import type { BuildContext } from './context.js';
import { parseTaint } from './context.js';
import { base64, deepMerge, prune, sortKeys, sortedUnique, type PlainObject } from './objects.js';
import { componentImage } from './kubernetes.js';
import { installerImageFor } from './schematic.js';
import { addonEnabled } from '../../spec/sections/addons.js';

const INSTALL_DISK = '/dev/sda';
const LONGHORN_PATH = '/var/lib/longhorn';
const CRI_CUSTOMIZATION_PATH = '/etc/cri/conf.d/20-customization.part';
const CRI_KEEP_UNPACKED_LAYERS =
  '[plugins."io.containerd.cri.v1.images"]\n  discard_unpacked_layers = false\n';
const EXCLUDE_FROM_LOAD_BALANCERS = 'node.kubernetes.io/exclude-from-external-load-balancers';
const CONTROL_PLANE_TAINT = 'node-role.kubernetes.io/control-plane';

/** kubelet reservations per role (module §3). */
const RESERVED = {
  controlplane: {
    systemReserved: { cpu: '250m', memory: '300Mi', 'ephemeral-storage': '1Gi' },
    kubeReserved: { cpu: '250m', memory: '350Mi', 'ephemeral-storage': '1Gi' },
  },
  worker: {
    systemReserved: { cpu: '100m', memory: '300Mi', 'ephemeral-storage': '1Gi' },
    kubeReserved: { cpu: '100m', memory: '350Mi', 'ephemeral-storage': '1Gi' },
  },
} as const;

function registerWithTaints(context: BuildContext): PlainObject[] {
  const taints = context.pool.taints.map(parseTaint);
  if (context.controlPlane && !context.schedulableControlPlanes) {
    taints.push({ key: CONTROL_PLANE_TAINT, effect: 'NoSchedule' });
  }
  return taints.map((taint) => ({ ...taint }));
}

function kubeletExtraMounts(context: BuildContext): PlainObject[] {
  const { spec } = context;
  const longhorn = addonEnabled(spec.addons, 'longhorn', false)
    ? [
        {
          source: LONGHORN_PATH,
          destination: LONGHORN_PATH,
          type: 'bind',
          options: ['bind', 'rshared', 'rw'],
        },
      ]
    : [];
  const user = spec.talos.kubeletExtraMounts.map((mount) => ({
    source: mount.source,
    destination: mount.destination ?? mount.source,
    type: mount.type,
    options: [...mount.options],
  }));
  return [...longhorn, ...user];
}

function kubelet(context: BuildContext): PlainObject {
  const { spec, node } = context;
  const kubernetes = spec.kubernetes;
  const defaults: PlainObject = prune({
    shutdownGracePeriod: '90s',
    shutdownGracePeriodCriticalPods: '15s',
    ...RESERVED[node.role],
    registerWithTaints: registerWithTaints(context),
  });
  return prune({
    image: componentImage(spec, 'kubelet', context.versions.kubelet),
    defaultRuntimeSeccompProfileEnabled: true,
    disableManifestsDirectory: true,
    extraArgs: sortKeys({
      'cloud-provider': 'external',
      'rotate-server-certificates': 'true',
      ...kubernetes.kubelet.extraArgs,
    }),
    extraConfig: deepMerge(defaults, kubernetes.kubelet.extraConfig),
    extraMounts: kubeletExtraMounts(context),
    nodeIP: { validSubnets: [context.layout.nodeCidr] },
  });
}

function sysctls(context: BuildContext): Record<string, string> {
  const ipv6Disabled = context.spec.talos.ipv6 ? '0' : '1';
  return sortKeys({
    'net.core.somaxconn': '65535',
    'net.core.netdev_max_backlog': '4096',
    'net.ipv6.conf.default.disable_ipv6': ipv6Disabled,
    'net.ipv6.conf.all.disable_ipv6': ipv6Disabled,
    ...context.spec.talos.sysctls,
  });
}

function features(context: BuildContext): PlainObject {
  return prune({
    diskQuotaSupport: true,
    kubePrism: { enabled: true, port: 7445 },
    // Forwarding cluster DNS to the host resolver conflicts with Cilium's BPF masquerading.
    hostDNS: { enabled: true, forwardKubeDNSToHost: false, resolveMemberNames: true },
    kubernetesTalosAPIAccess: context.controlPlane
      ? {
          enabled: true,
          allowedRoles: ['os:reader', 'os:etcd:backup'],
          allowedKubernetesNamespaces: ['kube-system'],
        }
      : undefined,
  });
}

function nodeLabels(context: BuildContext): Record<string, string> {
  const { node, pool } = context;
  const exclude: Record<string, string> =
    context.controlPlane && !context.schedulableControlPlanes ? { [EXCLUDE_FROM_LOAD_BALANCERS]: '' } : {};
  return sortKeys({ ...exclude, ...pool.labels, nodepool: pool.name, nodeid: node.serverId });
}

/** `key: value:Effect` (or `key: Effect`), the map form Talos reconciles on control planes. */
function nodeTaints(context: BuildContext): Record<string, string> | undefined {
  if (!context.controlPlane) return undefined; // NodeRestriction: workers only register taints
  const taints: Record<string, string> = {};
  for (const taint of context.pool.taints.map(parseTaint)) {
    taints[taint.key] = taint.value === undefined ? taint.effect : `${taint.value}:${taint.effect}`;
  }
  return sortKeys(taints);
}

function logging(context: BuildContext): PlainObject | undefined {
  const destinations = context.spec.talos.loggingDestinations.map((destination) =>
    prune({
      endpoint: destination.endpoint,
      format: destination.format,
      extraTags: sortKeys(destination.extraTags),
    }),
  );
  return destinations.length > 0 ? { destinations } : undefined;
}

export function machineSection(context: BuildContext): PlainObject {
  const { spec, secrets, node, support } = context;
  const os = secrets.certs.os;
  const modules = (spec.talos.kernelModules ?? []).map((module) =>
    prune({ name: module.name, parameters: module.parameters ? [...module.parameters] : undefined }),
  );
  return prune({
    type: node.role,
    token: secrets.trustdInfo.token,
    // Workers get the OS CA certificate only, as `talosctl gen config` writes it (talos-1.13.md §1.2).
    ca: { crt: base64(os.crt), key: context.controlPlane ? base64(os.key) : '' },
    certSANs: sortedUnique(context.cluster.certSANs),
    kubelet: kubelet(context),
    install: prune({
      disk: INSTALL_DISK,
      image: installerImageFor(spec),
      wipe: false,
      grubUseUKICmdline: support.grubUseUKICmdline ? true : undefined,
    }),
    files: spec.talos.criDiscardUnpackedLayers
      ? undefined
      : [{ content: CRI_KEEP_UNPACKED_LAYERS, path: CRI_CUSTOMIZATION_PATH, op: 'create' }],
    sysctls: sysctls(context),
    features: features(context),
    kernel: modules.length > 0 ? { modules } : undefined,
    logging: logging(context),
    nodeLabels: nodeLabels(context),
    nodeAnnotations: sortKeys(context.pool.annotations),
    nodeTaints: nodeTaints(context),
  });
}

/**
 * The typed documents (talos-1.13.md §2, §6.4): hostname, links, DHCP, resolvers, time, static hosts,
 * trusted roots and system-volume encryption. Registries are in `registries.ts`.
 */
import type { BuildContext } from './context.js';
import { prune, sortedUnique, type PlainObject } from './objects.js';
import { registryDocuments } from './registries.js';
import { vipDocuments } from './vip.js';
import type { ConfigDocument } from './types.js';
import type { EmittedKind } from './versions.js';

/** Hetzner private networks carry 1450-byte frames. */
const PRIVATE_MTU = 1450;
const EXTRA_ROUTE_METRIC = 512;

export function typedDocument(kind: EmittedKind, fields: PlainObject): ConfigDocument {
  return { apiVersion: 'v1alpha1', kind, ...fields };
}

function linkDocuments(context: BuildContext): ConfigDocument[] {
  const documents: ConfigDocument[] = [];
  const { publicLink, privateLinkName, layout } = context;
  if (publicLink) {
    documents.push(typedDocument('LinkConfig', { name: publicLink.name, up: true }));
    if (publicLink.dhcp) documents.push(typedDocument('DHCPv4Config', { name: publicLink.name }));
  }
  // A default route (0.0.0.0/0) is written without a destination: Talos infers it from the gateway.
  const routes = context.spec.talos.extraRoutes.map((cidr) =>
    prune({
      destination: cidr === '0.0.0.0/0' ? undefined : cidr,
      gateway: layout.gateway,
      metric: EXTRA_ROUTE_METRIC,
    }),
  );
  // Once any link document exists Talos stops default DHCP, so the private link needs its own.
  documents.push(
    typedDocument('LinkConfig', prune({ name: privateLinkName, up: true, mtu: PRIVATE_MTU, routes })),
    typedDocument('DHCPv4Config', { name: privateLinkName }),
  );
  return documents;
}

function resolverDocument(context: BuildContext): ConfigDocument[] {
  const { talos } = context.spec;
  // ResolverConfig replaces every lower layer (1.13), so IPv6 servers stay listed unless IPv6 is off.
  const nameservers = talos.nameservers
    .filter((address) => talos.ipv6 || !address.includes(':'))
    .map((address) => ({ address: address.toLowerCase() }));
  return nameservers.length > 0 ? [typedDocument('ResolverConfig', { nameservers })] : [];
}

function timeSyncDocument(context: BuildContext): ConfigDocument[] {
  const servers = context.spec.talos.ntpServers;
  return servers.length > 0 ? [typedDocument('TimeSyncConfig', { ntp: { servers: [...servers] } })] : [];
}

/** One StaticHostConfig per address: the Kube API hostname first, then `talos.staticHosts`. */
function staticHostDocuments(context: BuildContext): ConfigDocument[] {
  const hostname = context.spec.loadBalancers.kubeApi.hostname;
  const entries = [
    ...(hostname ? [{ ip: context.kubeApiPrivateHost, hostnames: [hostname] }] : []),
    ...context.spec.talos.staticHosts,
  ];
  const byAddress = new Map<string, string[]>();
  for (const entry of entries) {
    const ip = entry.ip.toLowerCase();
    byAddress.set(ip, [...(byAddress.get(ip) ?? []), ...entry.hostnames]);
  }
  return [...byAddress].map(([ip, hostnames]) =>
    typedDocument('StaticHostConfig', { name: ip, hostnames: sortedUnique(hostnames) }),
  );
}

function trustedRootDocuments(context: BuildContext): ConfigDocument[] {
  return Object.entries(context.spec.talos.certificates)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, chain]) => {
      const certificates = (Array.isArray(chain) ? chain : [chain])
        .map((pem) => pem.trim())
        .filter((pem) => pem !== '')
        .join('\n');
      return typedDocument('TrustedRootsConfig', { name, certificates });
    });
}

/** LUKS2 with a key derived from the node's identity, as the reference module configures it. */
function volumeEncryption(): PlainObject {
  return {
    provider: 'luks2',
    keys: [{ slot: 0, nodeID: {} }],
    options: ['no_read_workqueue', 'no_write_workqueue'],
  };
}

function volumeDocuments(context: BuildContext): ConfigDocument[] {
  const { encryption } = context.spec.talos;
  return [
    ...(encryption.state
      ? [typedDocument('VolumeConfig', { name: 'STATE', encryption: volumeEncryption() })]
      : []),
    ...(encryption.ephemeral
      ? [typedDocument('VolumeConfig', { name: 'EPHEMERAL', encryption: volumeEncryption() })]
      : []),
  ];
}

/** Every typed document of the node, in a fixed order. */
export function typedDocuments(context: BuildContext): ConfigDocument[] {
  const documents = [
    typedDocument('HostnameConfig', { hostname: context.node.hostname, auto: 'off' }),
    ...linkDocuments(context),
    ...resolverDocument(context),
    ...timeSyncDocument(context),
    ...staticHostDocuments(context),
    ...vipDocuments(context),
    ...registryDocuments(context),
    ...trustedRootDocuments(context),
    ...volumeDocuments(context),
  ];
  for (const document of documents) {
    const kind = document.kind as EmittedKind;
    if (!context.support.kinds.includes(kind)) {
      throw new Error(`Talos ${context.support.minor} has no ${kind} document (version table)`);
    }
  }
  return documents;
}

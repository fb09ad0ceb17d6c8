/**
 * Reads everything a cluster owns on Hetzner: one paginated list per kind, filtered by the cluster
 * label — never one request per resource — so a plan costs the same at 3 servers and at 100.
 */
import { clusterSelector } from '../plan/hcloud/names.js';
import type { ObservedResource, ResourceType } from '../plan/types.js';
import type { HcloudApi } from '../providers/hcloud/index.js';
import {
  addressOf,
  firewallProps,
  loadBalancerProps,
  networkProps,
  placementGroupProps,
  serverProps,
  sshKeyProps,
  subnetEntries,
  volumeProps,
  type AddressBook,
} from './hcloud-normalize.js';

export interface HcloudObservation {
  resources: ObservedResource[];
  /** Objects with the cluster label but no address label: not hk8s's to change, reported. */
  unaddressed: Array<{ kind: string; id: number; name: string }>;
}

export async function observeHcloud(
  api: HcloudApi,
  cluster: string,
  options: { includeVolumes?: boolean; signal?: AbortSignal } = {},
): Promise<HcloudObservation> {
  const filter = { labelSelector: clusterSelector(cluster), signal: options.signal };
  const [networks, firewalls, sshKeys, placementGroups, servers, loadBalancers, volumes] = await Promise.all([
    api.networks.list(filter),
    api.firewalls.list(filter),
    api.sshKeys.list(filter),
    api.placementGroups.list(filter),
    api.servers.list(filter),
    api.loadBalancers.list(filter),
    options.includeVolumes ? api.volumes.list(filter) : Promise.resolve([]),
  ]);

  const resources: ObservedResource[] = [];
  const unaddressed: HcloudObservation['unaddressed'] = [];
  const networkAddresses = new Map<number, string>();
  const groupAddresses = new Map<number, string>();
  const subnetRanges = new Map<number, string[]>();

  const add = (
    kind: string,
    type: ResourceType,
    item: { id: number; name?: string | null; labels?: Record<string, string> },
    props: () => ObservedResource['props'],
  ) => {
    const address = addressOf(item.labels);
    if (!address) {
      unaddressed.push({ kind, id: item.id, name: item.name ?? '' });
      return undefined;
    }
    resources.push({ address, type, id: String(item.id), props: props() });
    return address;
  };

  for (const n of networks) {
    const address = add('network', 'network', n, () => networkProps(n));
    if (!address) continue;
    networkAddresses.set(n.id, address);
    subnetRanges.set(
      n.id,
      n.subnets.map((s) => s.ip_range ?? ''),
    );
    for (const s of subnetEntries(n, address)) resources.push({ ...s, type: 'subnet' });
  }
  for (const p of placementGroups) {
    const address = add('placement group', 'placement_group', p, () => placementGroupProps(p));
    if (address) groupAddresses.set(p.id, address);
  }
  const book: AddressBook = {
    network: (id) => (id === undefined || id === null ? undefined : networkAddresses.get(id)),
    placementGroup: (id) => (id === undefined || id === null ? undefined : groupAddresses.get(id)),
    subnetsOf: (id) => subnetRanges.get(id) ?? [],
  };
  for (const f of firewalls) add('firewall', 'firewall', f, () => firewallProps(f));
  for (const k of sshKeys) add('ssh key', 'ssh_key', k, () => sshKeyProps(k));
  for (const s of servers) add('server', 'server', s, () => serverProps(s, book));
  for (const lb of loadBalancers)
    add('load balancer', 'load_balancer', lb, () => loadBalancerProps(lb, book));
  for (const v of volumes) add('volume', 'volume', v, () => volumeProps(v));

  resources.sort((a, b) => a.address.localeCompare(b.address));
  return { resources, unaddressed };
}

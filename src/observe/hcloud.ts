/**
 * Reads everything a cluster owns on Hetzner: one paginated list per kind, filtered by the cluster
 * label — never one request per resource — so a plan costs the same at 3 servers and at 100. Each
 * kind's module lists and normalizes its objects; this maps them back to addresses.
 */
import type { HcloudResourceType, ObservedResource, ResourceType } from '../plan/types.js';
import type { HcloudApi } from '../providers/hcloud/index.js';
import { hcloudModules, type HcloudRegistry } from '../resources/registry.js';
import { clusterSelector } from '../resources/hcloud/names.js';
import { addressOf } from '../resources/hcloud/props.js';
import type { AddressBook, ObserveOptions } from '../resources/types.js';

export interface HcloudObservation {
  resources: ObservedResource[];
  /** Objects with the cluster label but no address label: not hk8s's to change, reported. */
  unaddressed: Array<{ kind: string; id: number; name: string }>;
}

/** Ids back to addresses, over what was observed so far (the registry's order). */
function addressBook(byType: Map<ResourceType, ObservedResource[]>): AddressBook {
  const seen = (type: HcloudResourceType) => {
    const found = byType.get(type);
    if (!found) throw new Error(`observation looked up ${type} before observing it (registry order)`);
    return found;
  };
  return {
    addressOf: (type, id) =>
      id === undefined || id === null ? undefined : seen(type).find((r) => r.id === String(id))?.address,
    observed: seen,
  };
}

export async function observeHcloud(
  api: HcloudApi,
  cluster: string,
  options: ObserveOptions & { signal?: AbortSignal; registry?: HcloudRegistry } = {},
): Promise<HcloudObservation> {
  const filter = { labelSelector: clusterSelector(cluster), signal: options.signal };
  const modules = hcloudModules(options.registry);
  const lists = await Promise.all(
    modules.map((m) => (m.observe && (m.observe.when?.(options) ?? true) ? m.observe.list(api, filter) : [])),
  );

  const resources: ObservedResource[] = [];
  const unaddressed: HcloudObservation['unaddressed'] = [];
  const byType = new Map<ResourceType, ObservedResource[]>();
  const book = addressBook(byType);
  const keep = (r: ObservedResource) => {
    resources.push(r);
    byType.set(r.type, [...(byType.get(r.type) ?? []), r]);
  };
  modules.forEach((module, i) => {
    byType.set(module.type, byType.get(module.type) ?? []);
    for (const item of lists[i] ?? []) {
      const address = addressOf(item.labels);
      if (!address) {
        unaddressed.push({ kind: module.observe?.noun ?? module.type, id: item.id, name: item.name });
        continue;
      }
      keep({ address, type: module.type, id: String(item.id), props: item.normalize(book) });
      for (const inner of item.contained?.(address) ?? []) keep(inner);
    }
  });

  resources.sort((a, b) => a.address.localeCompare(b.address));
  return { resources, unaddressed };
}

/**
 * Every resource type hk8s manages, by type. The mapped types make the registry exhaustive: a type
 * added to `HcloudResourceType` without its module here fails the type-check. Nothing here loads
 * the Hetzner client at run time (modules take an `HcloudApi` when they run), so the planner may
 * import it. The order is the order of observation: a module's normalize may look up only the
 * types before it (servers find their network and placement group).
 */
import type { HcloudResourceType, KubeResourceType, ResourceType, TalosResourceType } from '../plan/types.js';
import { firewall } from './hcloud/firewall.js';
import { floatingIp } from './hcloud/floating-ip.js';
import { image } from './hcloud/image/index.js';
import { loadBalancer } from './hcloud/load-balancer/index.js';
import { network } from './hcloud/network.js';
import { placementGroup } from './hcloud/placement-group.js';
import { server } from './hcloud/server/index.js';
import { sshKey } from './hcloud/ssh-key.js';
import { subnet } from './hcloud/subnet.js';
import { volume } from './hcloud/volume.js';
import { KUBE_RULES, TALOS_RECORD_RULES } from './talos.js';
import type { HcloudResourceModule, ResourceRules } from './types.js';

export type HcloudRegistry = { readonly [T in HcloudResourceType]: HcloudResourceModule<T> };

export const HCLOUD_RESOURCES: HcloudRegistry = {
  network,
  subnet,
  placement_group: placementGroup,
  firewall,
  ssh_key: sshKey,
  server,
  load_balancer: loadBalancer,
  floating_ip: floatingIp,
  volume,
  image,
};

/** The modules in registry order. */
export function hcloudModules(registry: HcloudRegistry = HCLOUD_RESOURCES): HcloudResourceModule[] {
  return Object.values(registry);
}

export function isHcloudResourceType(type: string): type is HcloudResourceType {
  return Object.hasOwn(HCLOUD_RESOURCES, type);
}

export function hcloudResource(type: HcloudResourceType): HcloudResourceModule {
  return HCLOUD_RESOURCES[type];
}

function isTalosResourceType(type: string): type is TalosResourceType {
  return Object.hasOwn(TALOS_RECORD_RULES, type);
}

function isKubeResourceType(type: string): type is KubeResourceType {
  return Object.hasOwn(KUBE_RULES, type);
}

/** Addon objects live in the cluster; they go before the servers that run it. */
const ADDON_RULES: ResourceRules = { immutable: [], createOnly: [], deleteRank: 0, drainBeforeDelete: false };

/** What the planner asks of a type: Hetzner's (from its module), Talos's, Kubernetes's or an addon's. */
export function rulesFor(type: ResourceType, registry: HcloudRegistry = HCLOUD_RESOURCES): ResourceRules {
  if (type === 'addon') return ADDON_RULES;
  if (isTalosResourceType(type)) return TALOS_RECORD_RULES[type];
  if (isKubeResourceType(type)) return KUBE_RULES[type];
  return registry[type].rules;
}

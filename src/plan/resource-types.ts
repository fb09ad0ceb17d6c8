/**
 * What the planner must know about each resource type: which fields force a replacement and in
 * which order things are deleted. What an update does on the wire is the provider's business.
 */
import type { ResourceType } from './types.js';

export interface ResourceTypeInfo {
  /** JSON pointers (prefixes) of fields Hetzner cannot change in place: a change means replace. */
  immutable: readonly string[];
  /** Fields set at creation and never compared afterwards (like Terraform's ignore_changes). */
  createOnly: readonly string[];
  /** Lower goes first when deleting: servers before the networks they sit in. */
  deleteRank: number;
  /** Servers are cluster nodes: take their workloads off before they go away. */
  drainBeforeDelete: boolean;
  /** Fields Hetzner changes in place only by powering the object off and on (said in the plan). */
  powerCycle?: readonly string[];
  /**
   * Changes of this type go one at a time: Hetzner locks the parent (subnets are actions on their
   * network, which refuses a second change while one runs).
   */
  serial?: boolean;
}

export const RESOURCE_TYPES: Record<ResourceType, ResourceTypeInfo> = {
  server: {
    immutable: ['/location', '/placement_group', '/public_ipv4', '/public_ipv6'],
    createOnly: ['/image', '/ssh_keys', '/user_data'],
    deleteRank: 0,
    drainBeforeDelete: true,
    powerCycle: ['/server_type'],
  },
  load_balancer: {
    immutable: ['/location', '/network_zone'],
    createOnly: [],
    deleteRank: 0,
    drainBeforeDelete: false,
  },
  floating_ip: {
    immutable: ['/home_location', '/type'],
    createOnly: [],
    deleteRank: 0,
    drainBeforeDelete: false,
  },
  volume: { immutable: ['/location', '/format'], createOnly: [], deleteRank: 1, drainBeforeDelete: false },
  placement_group: { immutable: ['/type'], createOnly: [], deleteRank: 1, drainBeforeDelete: false },
  firewall: { immutable: [], createOnly: [], deleteRank: 1, drainBeforeDelete: false },
  ssh_key: { immutable: ['/public_key'], createOnly: [], deleteRank: 1, drainBeforeDelete: false },
  subnet: {
    immutable: ['/network', '/ip_range', '/type', '/network_zone'],
    createOnly: [],
    deleteRank: 2,
    drainBeforeDelete: false,
    serial: true,
  },
  network: { immutable: ['/ip_range'], createOnly: [], deleteRank: 3, drainBeforeDelete: false },
  // Talos records live in the event log, not in the cloud; the Talos planner handles them.
  talos_secrets: { immutable: [], createOnly: [], deleteRank: 4, drainBeforeDelete: false },
  talos_config: { immutable: [], createOnly: [], deleteRank: 0, drainBeforeDelete: false },
  talos_bootstrap: { immutable: [], createOnly: [], deleteRank: 4, drainBeforeDelete: false },
  talos_kubeconfig: { immutable: [], createOnly: [], deleteRank: 4, drainBeforeDelete: false },
};

export function isUnder(pointer: string, prefix: string): boolean {
  return pointer === prefix || pointer.startsWith(`${prefix}/`);
}

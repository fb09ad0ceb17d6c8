/** Addresses, Hetzner names and ownership labels. One place, so observe and desire agree. */
export const LABEL_CLUSTER = 'hk8s.io/cluster';
export const LABEL_ADDRESS = 'hk8s.io/address';
export const LABEL_RUN = 'hk8s.io/run';
export const LABEL_ROLE = 'hk8s.io/role';
export const LABEL_POOL = 'hk8s.io/pool';
/** On an object that existed before hk8s took it over: given back, never deleted. */
export const LABEL_ADOPTED = 'hk8s.io/adopted';

/** Labels hk8s sets but does not compare: they change with every run. */
export const VOLATILE_LABELS: readonly string[] = [LABEL_RUN];

export type NodeRole = 'control-plane' | 'worker';

export function ownershipLabels(cluster: string, address: string): Record<string, string> {
  return { [LABEL_CLUSTER]: cluster, [LABEL_ADDRESS]: address };
}

export function clusterSelector(cluster: string): string {
  return `${LABEL_CLUSTER}=${cluster}`;
}

export const addresses = {
  network: 'network.main',
  firewall: 'firewall.main',
  sshKey: 'ssh_key.main',
  /** Subnets carry no labels on Hetzner, so their address is their range: `subnet.10.0.64.0-25`. */
  subnet: (ipRange: string) => `subnet.${ipRange.replace('/', '-')}`,
  placementGroup: (name: string) => `placement_group.${name}`,
  /** `index`: a numbered server's position (1, 2, …) or a surge server's `s<k>` (surgeIndex). */
  server: (pool: string, index: ServerIndex) => `server.${pool}.${index}`,
  loadBalancer: (name: string) => `load_balancer.${name}`,
  /** The public VIP Talos moves between the control planes. */
  floatingIp: 'floating_ip.control-plane',
};

/** A numbered server's position in its pool, or a surge server's `s<k>`. */
export type ServerIndex = number | `s${number}`;

/** The k-th surge server of a pool (k from 1): `s<k>`, never a number, so never a numbered server's. */
export const surgeIndex = (k: number): `s${number}` => `s${k}`;

export function serverName(cluster: string, pool: string, index: ServerIndex): string {
  return `${cluster}-${pool}-${index}`;
}

export interface ServerPosition {
  pool: string;
  index: ServerIndex;
  surge: boolean;
}

/** `server.<pool>.<i>` or `server.<pool>.s<k>` → its pool and index; undefined for anything else. */
export function serverPosition(address: string): ServerPosition | undefined {
  const match = /^server\.(.+)\.(s?)(\d+)$/.exec(address);
  if (!match?.[1] || match[3] === undefined) return undefined;
  const number = Number(match[3]);
  return match[2] === 's'
    ? { pool: match[1], index: surgeIndex(number), surge: true }
    : { pool: match[1], index: number, surge: false };
}

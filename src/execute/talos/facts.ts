/** What the Talos runner knows of servers, the API load balancer and the floating IP, from records or observation. */
import type { ClusterFacts, ServerFact } from '../../plan/talos/nodes.js';
import type { ResourceRecord } from '../runner.js';

const str = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);

/** Hetzner gives a server an IPv6 /64; the node's own address in it is `::1`. */
export function hostOfIpv6Network(value: unknown): string | undefined {
  const text = str(value);
  if (!text) return undefined;
  const network = text.replace(/\/\d+$/, '');
  return network.endsWith('::') ? `${network}1` : network;
}

export function serverFact(record: ResourceRecord | undefined): ServerFact | undefined {
  if (!record) return undefined;
  const a = record.attrs;
  return {
    id: record.id,
    ...(str(a.ipv4) ? { ipv4: str(a.ipv4) } : {}),
    ...(hostOfIpv6Network(a.ipv6) ? { ipv6: hostOfIpv6Network(a.ipv6) } : {}),
    ...(str(a.private_ip) ? { privateIp: str(a.private_ip) } : {}),
  };
}

export function clusterFacts(
  servers: readonly string[],
  recordOf: (address: string) => ResourceRecord | undefined,
): ClusterFacts {
  const facts: ClusterFacts = { servers: {} };
  for (const address of servers) {
    const fact = serverFact(recordOf(address));
    if (fact) facts.servers[address] = fact;
  }
  const lb = str(recordOf('load_balancer.kube-api')?.attrs.ipv4);
  if (lb) facts.kubeApiLbIpv4 = lb;
  const fip = str(recordOf('floating_ip.control-plane')?.attrs.ip);
  if (fip) facts.floatingIpv4 = fip;
  return facts;
}

/**
 * Hetzner objects, reduced to the shape the planner compares: the same field names and nesting as
 * the desired props, references as `{ $ref: address }`, volatile labels dropped.
 */
import type { Json, JsonObject } from '../plan/types.js';
import { firewallRuleKey } from '../plan/hcloud/firewall-rules.js';
import { LABEL_ADDRESS, VOLATILE_LABELS, addresses } from '../plan/hcloud/names.js';
import type {
  Firewall,
  LoadBalancer,
  Network,
  PlacementGroup,
  Server,
  SshKey,
  Volume,
} from '../providers/hcloud/index.js';
import { ipv4InCidr } from './ipv4.js';

/** Maps Hetzner ids back to hk8s addresses, per kind. */
export interface AddressBook {
  network(id: number | undefined | null): string | undefined;
  placementGroup(id: number | undefined | null): string | undefined;
  /** Subnet ranges of every observed network, by network id. */
  subnetsOf(networkId: number): string[];
}

const ref = (address: string | undefined): Json => (address ? { $ref: address } : null);

export function stableLabels(labels: Record<string, string> | undefined): JsonObject {
  const out: JsonObject = {};
  for (const key of Object.keys(labels ?? {}).sort()) {
    if (!VOLATILE_LABELS.includes(key)) out[key] = (labels as Record<string, string>)[key] as string;
  }
  return out;
}

export function addressOf(labels: Record<string, string> | undefined): string | undefined {
  return labels?.[LABEL_ADDRESS];
}

export function networkProps(n: Network): JsonObject {
  return {
    name: n.name,
    ip_range: n.ip_range,
    labels: stableLabels(n.labels),
    protection: { delete: n.protection.delete },
  };
}

export function subnetEntries(n: Network, networkAddress: string) {
  return n.subnets.map((s) => ({
    address: addresses.subnet(s.ip_range ?? ''),
    id: `${n.id}:${s.ip_range ?? ''}`,
    props: {
      network: ref(networkAddress),
      type: s.type,
      network_zone: s.network_zone,
      ip_range: s.ip_range ?? '',
    } as JsonObject,
  }));
}

type FirewallRule = Firewall['rules'][number];

export function firewallRuleProps(rule: FirewallRule): JsonObject {
  const out: JsonObject = { direction: rule.direction, protocol: rule.protocol };
  if (rule.direction === 'in') out.source_ips = [...(rule.source_ips ?? [])].sort();
  else out.destination_ips = [...(rule.destination_ips ?? [])].sort();
  if (rule.port !== undefined && rule.port !== null) out.port = rule.port;
  if (rule.description) out.description = rule.description;
  return out;
}

export function firewallProps(f: Firewall): JsonObject {
  const rules: JsonObject = {};
  const props = f.rules.map(firewallRuleProps);
  for (const rule of props.sort((a, b) =>
    firewallRuleKey(a as never).localeCompare(firewallRuleKey(b as never)),
  )) {
    rules[firewallRuleKey(rule as never)] = rule;
  }
  const applyTo = f.applied_to
    .filter((a) => a.type === 'label_selector' && a.label_selector)
    .map((a) => ({ type: 'label_selector', label_selector: a.label_selector?.selector ?? '' }));
  return { name: f.name, labels: stableLabels(f.labels), rules, apply_to: applyTo };
}

export function sshKeyProps(k: SshKey): JsonObject {
  return { name: k.name, labels: stableLabels(k.labels), public_key: k.public_key.trim() };
}

export function placementGroupProps(p: PlacementGroup): JsonObject {
  return { name: p.name, type: p.type, labels: stableLabels(p.labels) };
}

export function serverProps(s: Server, book: AddressBook): JsonObject {
  const privateNet = s.private_net[0];
  const networkAddress = book.network(privateNet?.network);
  const ip = privateNet?.ip;
  const subnet =
    privateNet?.network !== undefined && ip
      ? book.subnetsOf(privateNet.network).find((range) => ipv4InCidr(ip, range))
      : undefined;
  const props: JsonObject = {
    name: s.name,
    server_type: s.server_type.name,
    location: s.location?.name ?? s.datacenter.location.name,
    image: s.image ? { id: s.image.id, description: s.image.description } : null,
    network: ref(networkAddress),
    subnet: subnet ?? null,
    public_ipv4: s.public_net.ipv4 !== null && s.public_net.ipv4 !== undefined,
    public_ipv6: s.public_net.ipv6 !== null && s.public_net.ipv6 !== undefined,
    backups: s.backup_window !== null && s.backup_window !== undefined,
    labels: stableLabels(s.labels),
    protection: { delete: s.protection.delete, rebuild: s.protection.rebuild },
    status: s.status,
  };
  const group = book.placementGroup(s.placement_group?.id);
  if (group) props.placement_group = ref(group);
  const rdns: JsonObject = {};
  const v4ptr = s.public_net.ipv4?.dns_ptr;
  if (v4ptr) rdns.ipv4 = v4ptr;
  const v6ptr = s.public_net.ipv6?.dns_ptr?.[0]?.dns_ptr;
  if (v6ptr) rdns.ipv6 = v6ptr;
  if (Object.keys(rdns).length > 0) props.rdns = rdns;
  if (s.public_net.ipv4?.ip) props.ipv4 = s.public_net.ipv4.ip;
  if (s.public_net.ipv6?.ip) props.ipv6 = s.public_net.ipv6.ip;
  if (ip) props.private_ip = ip;
  return props;
}

type LbService = LoadBalancer['services'][number];

export function lbServiceProps(s: LbService): JsonObject {
  const check = s.health_check;
  const health: JsonObject = {
    protocol: check.protocol,
    port: check.port,
    interval: check.interval,
    timeout: check.timeout,
    retries: check.retries,
  };
  if (check.http) {
    health.http = {
      domain: check.http.domain ?? null,
      path: check.http.path,
      status_codes: [...(check.http.status_codes ?? [])],
      tls: check.http.tls ?? false,
    };
  }
  return {
    protocol: s.protocol,
    listen_port: s.listen_port,
    destination_port: s.destination_port,
    proxyprotocol: s.proxyprotocol,
    health_check: health,
  };
}

export function loadBalancerProps(lb: LoadBalancer, book: AddressBook): JsonObject {
  const privateNet = lb.private_net[0];
  return {
    name: lb.name,
    load_balancer_type: lb.load_balancer_type.name,
    location: lb.location.name,
    algorithm: lb.algorithm.type,
    network: ref(book.network(privateNet?.network)),
    private_ip: privateNet?.ip ?? null,
    public_interface: lb.public_net.enabled,
    labels: stableLabels(lb.labels),
    protection: { delete: lb.protection.delete },
    ...(lb.public_net.ipv4?.ip ? { ipv4: lb.public_net.ipv4.ip } : {}),
    services: lb.services.map(lbServiceProps).sort((a, b) => Number(a.listen_port) - Number(b.listen_port)),
    targets: lb.targets
      .filter((t) => t.type === 'label_selector')
      .map((t) => ({
        type: 'label_selector',
        label_selector: t.label_selector?.selector ?? '',
        use_private_ip: t.use_private_ip ?? false,
      })),
  };
}

export function volumeProps(v: Volume): JsonObject {
  return { name: v.name, labels: stableLabels(v.labels), location: v.location.name, size: v.size };
}

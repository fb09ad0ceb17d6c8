/**
 * The simulated world as stored in `<stateDir>/world.json`. Records hold what Hetzner would keep;
 * everything derivable (joins, lock flags, progress) is computed when a response is rendered.
 */

export type Labels = Record<string, string>;

/** Resource types as they appear in `action.resources[].type`. */
export type ResourceType =
  | 'server'
  | 'network'
  | 'firewall'
  | 'load_balancer'
  | 'placement_group'
  | 'primary_ip'
  | 'floating_ip'
  | 'volume'
  | 'image'
  | 'certificate'
  | 'ssh_key';

export interface ResourceRef {
  id: number;
  type: ResourceType;
}

export type ServerStatus =
  | 'initializing'
  | 'starting'
  | 'running'
  | 'stopping'
  | 'off'
  | 'deleting'
  | 'migrating'
  | 'rebuilding'
  | 'unknown';

export interface PrivateNetRec {
  network: number;
  ip: string;
  alias_ips: string[];
  mac_address: string;
}

export interface ServerRec {
  id: number;
  name: string;
  labels: Labels;
  created: string;
  status: ServerStatus;
  server_type: number;
  image: number | null;
  location: string;
  placement_group: number | null;
  ipv4: number | null;
  ipv6: number | null;
  private_net: PrivateNetRec[];
  delete_protected: boolean;
  rebuild_protected: boolean;
  rescue_enabled: boolean;
  backup_window: string | null;
  primary_disk_size: number;
  ssh_keys: number[];
  user_data: string | null;
  /** What is on the server's disk (absent in worlds written before it existed: see disk.ts). */
  disk?: DiskContent;
  /** The rescue system: its keys once enabled, `active` while the server runs it (rescue.ts). */
  rescue?: RescueRec;
}

/** A Talos disk image as the Image Factory builds it (`hk8s.io/arch` names for the architecture). */
export interface TalosDisk {
  version: string;
  /** The full 64-digit schematic id. */
  schematic: string;
  arch: 'x86' | 'arm';
}

/** The content of a disk that matters to the sandbox: a written Talos image, or none. */
export interface DiskContent {
  talos: TalosDisk | null;
}

export interface RescueRec {
  /** The SSH keys given at enable_rescue (root logs in with them). */
  keys: number[];
  /** The server booted into rescue and runs it (until it powers off or reboots). */
  active: boolean;
  /** What `wget` left in the rescue system's /tmp (tmpfs: gone with the rescue system). */
  download?: RescueDownload;
}

export interface RescueDownload extends TalosDisk {
  path: string;
  url: string;
  /** The download came in broken (the `corruptDownloads` knob): xz's check fails. */
  corrupt: boolean;
}

export interface SubnetRec {
  type: 'cloud' | 'server' | 'vswitch';
  ip_range: string;
  network_zone: string;
  vswitch_id: number | null;
}

export interface RouteRec {
  destination: string;
  gateway: string;
}

export interface NetworkRec {
  id: number;
  name: string;
  labels: Labels;
  created: string;
  ip_range: string;
  subnets: SubnetRec[];
  routes: RouteRec[];
  expose_routes_to_vswitch: boolean;
  delete_protected: boolean;
}

export interface FirewallRuleRec {
  direction: 'in' | 'out';
  protocol: 'tcp' | 'udp' | 'icmp' | 'esp' | 'gre';
  port: string | null;
  source_ips: string[];
  destination_ips: string[];
  description: string | null;
}

export type FirewallApplyRec =
  { type: 'server'; server: number } | { type: 'label_selector'; selector: string };

export interface FirewallRec {
  id: number;
  name: string;
  labels: Labels;
  created: string;
  rules: FirewallRuleRec[];
  apply_to: FirewallApplyRec[];
}

export interface PlacementGroupRec {
  id: number;
  name: string;
  labels: Labels;
  created: string;
  type: 'spread';
}

export interface SshKeyRec {
  id: number;
  name: string;
  labels: Labels;
  created: string;
  public_key: string;
  fingerprint: string;
}

export interface DnsPtrRec {
  ip: string;
  dns_ptr: string;
}

export interface PrimaryIpRec {
  id: number;
  name: string;
  labels: Labels;
  created: string;
  type: 'ipv4' | 'ipv6';
  /** An address for ipv4, a `/64` network for ipv6. */
  ip: string;
  location: string;
  assignee_id: number | null;
  auto_delete: boolean;
  delete_protected: boolean;
  dns_ptr: DnsPtrRec[];
}

export interface FloatingIpRec {
  id: number;
  name: string;
  description: string | null;
  labels: Labels;
  created: string;
  type: 'ipv4' | 'ipv6';
  ip: string;
  home_location: string;
  server: number | null;
  delete_protected: boolean;
  dns_ptr: DnsPtrRec[];
}

export interface VolumeRec {
  id: number;
  name: string;
  labels: Labels;
  created: string;
  size: number;
  location: string;
  server: number | null;
  format: string | null;
  status: 'available' | 'creating';
  delete_protected: boolean;
}

export interface ImageRec {
  id: number;
  type: 'system' | 'app' | 'snapshot' | 'backup';
  status: 'available' | 'creating' | 'unavailable';
  name: string | null;
  description: string;
  labels: Labels;
  created: string;
  architecture: 'x86' | 'arm';
  os_flavor: 'alma' | 'centos' | 'debian' | 'fedora' | 'opensuse' | 'rocky' | 'ubuntu' | 'unknown';
  os_version: string | null;
  disk_size: number;
  image_size: number | null;
  created_from: { id: number; name: string } | null;
  bound_to: number | null;
  rapid_deploy: boolean;
  deprecated: string | null;
  delete_protected: boolean;
  /** The disk the snapshot was taken of (internal: not in the API view). */
  disk?: DiskContent;
}

export interface CertificateRec {
  id: number;
  name: string;
  labels: Labels;
  created: string;
  type: 'uploaded' | 'managed';
  certificate: string | null;
  domain_names: string[];
  fingerprint: string | null;
  not_valid_before: string | null;
  not_valid_after: string | null;
  issuance: 'pending' | 'completed' | 'failed';
}

export interface LbHealthCheckRec {
  protocol: 'tcp' | 'http';
  port: number;
  interval: number;
  timeout: number;
  retries: number;
  http?: {
    domain: string | null;
    path: string;
    response?: string;
    status_codes: string[];
    tls: boolean;
  };
}

export interface LbServiceRec {
  protocol: 'tcp' | 'http' | 'https';
  listen_port: number;
  destination_port: number;
  proxyprotocol: boolean;
  health_check: LbHealthCheckRec;
  http?: {
    certificates: number[];
    redirect_http: boolean;
    sticky_sessions: boolean;
    cookie_name: string;
    cookie_lifetime: number;
  };
}

export type LbTargetRec =
  | { type: 'server'; server: number; use_private_ip: boolean }
  | { type: 'label_selector'; selector: string; use_private_ip: boolean }
  | { type: 'ip'; ip: string };

export interface LoadBalancerRec {
  id: number;
  name: string;
  labels: Labels;
  created: string;
  load_balancer_type: number;
  location: string;
  algorithm: 'round_robin' | 'least_connections';
  public_enabled: boolean;
  ipv4: string;
  ipv6: string;
  dns_ptr: DnsPtrRec[];
  private_net: { network: number; ip: string }[];
  services: LbServiceRec[];
  targets: LbTargetRec[];
  delete_protected: boolean;
}

/** What happens to the world when an action finishes. A closed union so it can be persisted. */
export type ActionEffect =
  | { kind: 'none' }
  | { kind: 'server-status'; server: number; status: ServerStatus; power?: 'on' | 'off' | 'reboot' | 'reset' }
  | { kind: 'server-type'; server: number; serverType: number; diskSize: number }
  | { kind: 'server-delete'; server: number }
  | { kind: 'image-available'; image: number }
  | { kind: 'volume-available'; volume: number }
  | { kind: 'certificate-issued'; certificate: number };

export interface ActionRec {
  id: number;
  command: string;
  status: 'running' | 'success' | 'error';
  /** Epoch milliseconds. */
  startedAt: number;
  /** Simulated duration in milliseconds, already multiplied by the speed factor. */
  durationMs: number;
  finishedAt: number | null;
  resources: ResourceRef[];
  /** Resources that refuse other mutating requests (`locked`) while this action runs. */
  locks: ResourceRef[];
  error: { code: string; message: string } | null;
  effect: ActionEffect;
  /** Injected by the fault mode `all`: the action ends in `error` with this, its effect not applied. */
  failWith?: { code: string; message: string };
}

export interface RateBucket {
  tokens: number;
  /** Epoch milliseconds of the last refill computation. */
  updatedAt: number;
}

export interface Counters {
  /** Next id per id space. */
  ids: Record<IdSpace, number>;
  /** Next offsets into the simulated address pools. */
  serverIpv4: number;
  lbIpv4: number;
  floatingIpv4: number;
  ipv6: number;
  mac: number;
  /** Second octet of this world's loopback pools (absent in worlds written before it existed: 20). */
  loopbackOctet?: number;
}

export type IdSpace =
  | 'server'
  | 'network'
  | 'firewall'
  | 'load_balancer'
  | 'placement_group'
  | 'primary_ip'
  | 'floating_ip'
  | 'volume'
  | 'image'
  | 'certificate'
  | 'ssh_key'
  | 'action';

export interface World {
  format: 1;
  createdAt: string;
  counters: Counters;
  rate: RateBucket;
  servers: Record<number, ServerRec>;
  networks: Record<number, NetworkRec>;
  firewalls: Record<number, FirewallRec>;
  placement_groups: Record<number, PlacementGroupRec>;
  ssh_keys: Record<number, SshKeyRec>;
  primary_ips: Record<number, PrimaryIpRec>;
  floating_ips: Record<number, FloatingIpRec>;
  volumes: Record<number, VolumeRec>;
  images: Record<number, ImageRec>;
  certificates: Record<number, CertificateRec>;
  load_balancers: Record<number, LoadBalancerRec>;
  actions: Record<number, ActionRec>;
}

import type { EndpointSpec } from '../../spec/endpoint.js';

/**
 * The part of the spec the Hetzner infrastructure is derived from. A structural subset of `Spec`,
 * so the derivation can be tested with small hand-written values.
 */
export interface InfraPool {
  name: string;
  location: string;
  type: string;
  count: number;
  labels: Record<string, string>;
  taints: string[];
  backups: boolean;
  placementGroup?: boolean;
  rdns?: { ipv4?: string; ipv6?: string };
  publicIpv4?: boolean;
  publicIpv6?: boolean;
  subnet?: string;
  /** Worker pools: how their rolling Talos upgrade goes (`maxSurge`: extra servers meanwhile). */
  upgrade?: { maxSurge: number };
}

export interface FirewallRuleSpec {
  description?: string;
  direction: 'in' | 'out';
  protocol: 'tcp' | 'udp' | 'icmp' | 'gre' | 'esp';
  port?: string;
  sourceIps: string[];
  destinationIps: string[];
}

export interface InfraSpec extends EndpointSpec {
  cluster: {
    name: string;
    domain: string;
    access: 'public' | 'private';
    deleteProtection: boolean;
    rdns?: { ipv4?: string; ipv6?: string };
  };
  firewall: {
    apiSources?: string[];
    kubeApiSources?: string[];
    talosApiSources?: string[];
    useCurrentIpv4?: boolean;
    useCurrentIpv6?: boolean;
    extraRules: FirewallRuleSpec[];
  };
  controlPlane: {
    pools: InfraPool[];
    publicVipIpv4: { enabled?: boolean; existingId?: number };
    privateVipIpv4: { enabled: boolean };
  };
  workers: { pools: InfraPool[] };
  loadBalancers: {
    kubeApi: {
      enabled: boolean;
      type: string;
      publicNetwork?: boolean;
      algorithm: string;
      hostname?: string;
    };
    ingress: {
      enabled: boolean;
      type: string;
      algorithm: string;
      publicNetwork: boolean;
      healthCheck: { interval: number; retries: number; timeout: number };
    };
  };
  talos: { version: string; publicIpv4: boolean; publicIpv6: boolean };
}

/** Addresses the derivation needs, from the spec's network layout. */
export interface InfraLayout {
  networkCidr: string;
  networkZone: string;
  subnets: { controlPlane: string; loadBalancer: string; worker: string; autoscaler: string };
  pinnedSubnets: Record<string, string>;
  kubeApiLbPrivateIp: string;
  ingressLbPrivateIp: string;
}

/** Facts learned by observing, that the derivation may use (still pure: they are inputs). */
export interface InfraFacts {
  /** The operator's public addresses, when the firewall should let "me" in. */
  operatorIpv4?: string;
  operatorIpv6?: string;
  /** The ssh public key hk8s generated, once it has. */
  sshPublicKey?: string;
  /** Observed server ids and IPv4s by address, for rDNS templates that use them. */
  servers: Record<string, { id: string; ipv4?: string; ipv6?: string }>;
  /** The image architecture of each server type, from Hetzner's catalogue when the plan read it. */
  architectures?: Record<string, 'amd64' | 'arm64'>;
  /** The Image Factory schematic id of the spec (src/talos/config/schematic.ts); default ce4c98…. */
  talosSchematic?: string;
}

/** Everything a resource type module's desired-shape builder may look at. */
export interface DesiredContext {
  spec: InfraSpec;
  layout: InfraLayout;
  facts: InfraFacts;
  /** Worker pools whose surge servers are wanted now (src/plan/talos/surge.ts). */
  surge?: readonly string[];
}

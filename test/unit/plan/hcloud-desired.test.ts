import { describe, expect, it } from 'vitest';
import { desiredInfrastructure } from '../../../src/plan/hcloud/desired.js';
import { firewallRules } from '../../../src/resources/hcloud/firewall.js';
import type { InfraLayout, InfraPool, InfraSpec } from '../../../src/resources/hcloud/infra-spec.js';
import { PLACEMENT_GROUP_SIZE } from '../../../src/resources/hcloud/placement-group.js';
import { renderRdns } from '../../../src/resources/hcloud/rdns.js';

const layout: InfraLayout = {
  networkCidr: '10.0.0.0/16',
  networkZone: 'eu-central',
  subnets: {
    controlPlane: '10.0.64.0/25',
    loadBalancer: '10.0.64.128/25',
    worker: '10.0.80.0/25',
    autoscaler: '10.0.80.128/25',
  },
  pinnedSubnets: {},
  kubeApiLbPrivateIp: '10.0.64.254',
  ingressLbPrivateIp: '10.0.64.252',
};

const pool = (name: string, count: number, extra: Partial<InfraPool> = {}): InfraPool => ({
  name,
  location: 'fsn1',
  type: 'cpx21',
  count,
  labels: {},
  taints: [],
  backups: false,
  ...extra,
});

function spec(overrides: Partial<InfraSpec> = {}): InfraSpec {
  return {
    cluster: { name: 'demo', domain: 'cluster.local', access: 'public', deleteProtection: true },
    firewall: { apiSources: ['198.51.100.0/24'], extraRules: [] },
    controlPlane: {
      pools: [pool('cp', 3)],
      publicVipIpv4: { enabled: false },
      privateVipIpv4: { enabled: true },
    },
    workers: { pools: [pool('w', 2)] },
    loadBalancers: {
      kubeApi: { enabled: false, type: 'lb11', algorithm: 'round_robin' },
      ingress: {
        enabled: false,
        type: 'lb11',
        algorithm: 'least_connections',
        publicNetwork: true,
        healthCheck: { interval: 3, retries: 3, timeout: 3 },
      },
    },
    talos: { version: 'v1.13.9', publicIpv4: true, publicIpv6: true },
    ...overrides,
  };
}

const derive = (s: InfraSpec, servers = {}) => desiredInfrastructure({ spec: s, layout, facts: { servers } });
const addresses = (s: InfraSpec) => derive(s).map((r) => r.address);

describe('desiredInfrastructure', () => {
  it('derives the reference layout for 3 + 2 nodes', () => {
    expect(addresses(spec())).toEqual([
      'firewall.main',
      'image.talos-x86',
      'network.main',
      'placement_group.control-plane',
      'placement_group.w-pg-1',
      'server.cp.1',
      'server.cp.2',
      'server.cp.3',
      'server.w.1',
      'server.w.2',
      'ssh_key.main',
      'subnet.10.0.64.0-25',
      'subnet.10.0.64.128-25',
      'subnet.10.0.80.0-25',
      'subnet.10.0.80.128-25',
    ]);
  });

  it.each([
    [1, 1],
    [10, 1],
    [11, 2],
    [25, 3],
  ])('shards a pool of %i workers into %i placement groups of at most ten', (count, groups) => {
    const resources = derive(spec({ workers: { pools: [pool('w', count)] } }));
    const pgs = resources.filter(
      (r) => r.type === 'placement_group' && r.address.startsWith('placement_group.w-'),
    );
    expect(pgs).toHaveLength(groups);
    const last = resources.find((r) => r.address === `server.w.${count}`);
    expect(last?.props.placement_group).toEqual({
      $ref: `placement_group.w-pg-${Math.ceil(count / PLACEMENT_GROUP_SIZE)}`,
    });
  });

  it('gives pools without placement groups none', () => {
    const resources = derive(spec({ workers: { pools: [pool('w', 3, { placementGroup: false })] } }));
    expect(resources.some((r) => r.address.startsWith('placement_group.w'))).toBe(false);
    expect(resources.find((r) => r.address === 'server.w.1')?.props.placement_group).toBeUndefined();
  });

  it('labels every resource with the cluster and its own address', () => {
    for (const r of derive(spec())) {
      // Subnets carry no labels; Talos images are shared by the project's clusters (found by identity).
      if (r.type === 'subnet' || r.type === 'image') continue;
      expect(r.props.labels).toMatchObject({ 'hk8s.io/cluster': 'demo', 'hk8s.io/address': r.address });
    }
  });

  it('puts servers in their subnets and makes them wait for what they reference', () => {
    const [cp, w] = ['server.cp.1', 'server.w.1'].map((a) => derive(spec()).find((r) => r.address === a));
    expect(cp?.props.subnet).toBe('10.0.64.0/25');
    expect(w?.props.subnet).toBe('10.0.80.0/25');
    expect(w?.dependsOn).toEqual([
      'firewall.main',
      'image.talos-x86',
      'network.main',
      'placement_group.w-pg-1',
      'ssh_key.main',
      'subnet.10.0.80.0-25',
    ]);
  });

  it('adds the load balancers the spec enables', () => {
    const s = spec();
    s.loadBalancers.kubeApi.enabled = true;
    s.loadBalancers.ingress.enabled = true;
    const lbs = derive(s).filter((r) => r.type === 'load_balancer');
    expect(lbs.map((r) => [r.address, r.props.private_ip])).toEqual([
      ['load_balancer.ingress', '10.0.64.252'],
      ['load_balancer.kube-api', '10.0.64.254'],
    ]);
  });

  it('renders rDNS from observed ids and addresses, and leaves unknown placeholders to the create', () => {
    const s = spec({
      cluster: {
        name: 'demo',
        domain: 'c.local',
        access: 'public',
        deleteProtection: false,
        rdns: { ipv4: '{{ hostname }}.{{ id }}.example.com' },
      },
    });
    const before = derive(s).find((r) => r.address === 'server.w.1');
    expect(before?.props.rdns).toEqual({ ipv4: 'demo-w-1.{{ id }}.example.com' });
    const after = derive(s, { 'server.w.1': { id: '42', ipv4: '127.20.0.5' } }).find(
      (r) => r.address === 'server.w.1',
    );
    expect(after?.props.rdns).toEqual({ ipv4: 'demo-w-1.42.example.com' });
  });
});

describe('firewallRules', () => {
  it.each([
    {
      name: 'explicit sources for both APIs',
      firewall: { apiSources: ['198.51.100.0/24'], extraRules: [] },
      facts: {},
      ports: { '6443': ['198.51.100.0/24'], '50000': ['198.51.100.0/24'] },
    },
    {
      name: 'per-API overrides',
      firewall: { apiSources: ['198.51.100.0/24'], talosApiSources: ['192.0.2.1/32'], extraRules: [] },
      facts: {},
      ports: { '6443': ['198.51.100.0/24'], '50000': ['192.0.2.1/32'] },
    },
    {
      name: "the operator's address when nothing is given",
      firewall: { extraRules: [] },
      facts: { operatorIpv4: '203.0.113.9' },
      ports: { '6443': ['203.0.113.9/32'], '50000': ['203.0.113.9/32'] },
    },
    {
      name: 'nothing open when detection is off and nothing is given',
      firewall: { useCurrentIpv4: false, extraRules: [] },
      facts: { operatorIpv4: '203.0.113.9' },
      ports: {},
    },
  ])('$name', ({ firewall, facts, ports }) => {
    const rules = firewallRules(spec({ firewall }), { servers: {}, ...facts });
    const list = Object.values(rules) as Array<{ port: string; source_ips: string[] }>;
    expect(Object.fromEntries(list.map((r) => [r.port, r.source_ips]))).toEqual(ports);
  });

  it('opens extra rules to anywhere when they name no addresses, and collapses duplicates', () => {
    const rules = firewallRules(
      spec({
        firewall: {
          apiSources: [],
          extraRules: [
            { direction: 'in', protocol: 'tcp', port: '443', sourceIps: [], destinationIps: [] },
            { direction: 'in', protocol: 'tcp', port: '443', sourceIps: [], destinationIps: [] },
            { direction: 'out', protocol: 'udp', port: '53', sourceIps: [], destinationIps: ['9.9.9.9/32'] },
          ],
        },
      }),
      { servers: {} },
    );
    expect(rules).toEqual({
      'in-tcp-443': { direction: 'in', protocol: 'tcp', port: '443', source_ips: ['0.0.0.0/0', '::/0'] },
      'out-udp-53': { direction: 'out', protocol: 'udp', port: '53', destination_ips: ['9.9.9.9/32'] },
    });
  });
});

describe('renderRdns', () => {
  it.each([
    ['{{ hostname }}.{{ cluster-domain }}', 'h1.c.local'],
    ['{{ ip-labels }}.in-addr.example', '9.0.20.127.in-addr.example'],
    ['{{ pool }}-{{ role }}-{{ ip-type }}', 'w-worker-ipv4'],
  ])('%s → %s', (template, expected) => {
    expect(
      renderRdns(template, {
        clusterDomain: 'c.local',
        clusterName: 'c',
        hostname: 'h1',
        pool: 'w',
        role: 'worker',
        ipType: 'ipv4',
        id: '1',
        ip: '127.20.0.9',
      }),
    ).toBe(expected);
  });
});

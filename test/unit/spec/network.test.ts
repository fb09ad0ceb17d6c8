import { describe, expect, it } from 'vitest';
import { resolveNetworkLayout, planAddresses } from '../../../src/spec/network.js';
import { validateSpec } from '../../../src/spec/validate.js';
import type { SpecInput } from '../../../src/spec/schema.js';

function specWith(extra: Partial<SpecInput>) {
  return validateSpec({
    cluster: { name: 'demo' },
    controlPlane: { pools: [{ name: 'cp', location: 'fsn1', type: 'cpx22' }] },
    ...extra,
  });
}

const CASES: Array<{ name: string; network: SpecInput['network']; expected: Record<string, unknown> }> = [
  {
    name: 'default /16',
    network: {},
    expected: {
      networkCidr: '10.0.0.0/16',
      gateway: '10.0.0.1',
      nodeCidr: '10.0.64.0/19',
      nodeSubnetMaskSize: 25,
      serviceCidr: '10.0.96.0/19',
      podCidr: '10.0.128.0/17',
      nativeRoutingCidr: '10.0.0.0/16',
      controlPlaneSubnet: '10.0.64.0/25',
      loadBalancerSubnet: '10.0.64.128/25',
      workerSubnet: '10.0.80.0/25',
      autoscalerSubnet: '10.0.80.128/25',
      controlPlanePrivateVipIpv4: '10.0.64.126',
      kubeApiLoadBalancerIpv4: '10.0.64.254',
      ingressLoadBalancerIpv4: '10.0.64.252',
    },
  },
  {
    name: '/8 (service range clamped to /12)',
    network: { ipv4Cidr: '10.0.0.0/8' },
    expected: {
      nodeCidr: '10.64.0.0/11',
      nodeSubnetMaskSize: 17,
      serviceCidr: '10.96.0.0/12',
      podCidr: '10.128.0.0/9',
      controlPlaneSubnet: '10.64.0.0/17',
      loadBalancerSubnet: '10.64.128.0/17',
      workerSubnet: '10.80.0.0/17',
      autoscalerSubnet: '10.80.128.0/17',
      controlPlanePrivateVipIpv4: '10.64.127.254',
      kubeApiLoadBalancerIpv4: '10.64.255.254',
      ingressLoadBalancerIpv4: '10.64.255.252',
    },
  },
  {
    name: 'small /20',
    network: { ipv4Cidr: '172.16.0.0/20' },
    expected: {
      gateway: '172.16.0.1',
      nodeCidr: '172.16.4.0/23',
      nodeSubnetMaskSize: 29,
      serviceCidr: '172.16.6.0/23',
      podCidr: '172.16.8.0/21',
      controlPlaneSubnet: '172.16.4.0/29',
      loadBalancerSubnet: '172.16.4.8/29',
      workerSubnet: '172.16.5.0/29',
      controlPlanePrivateVipIpv4: '172.16.4.6',
      kubeApiLoadBalancerIpv4: '172.16.4.14',
      ingressLoadBalancerIpv4: '172.16.4.12',
    },
  },
  {
    name: 'node range at the network start shifts the control-plane subnet by one',
    network: { nodeIpv4Cidr: '10.0.0.0/19', serviceIpv4Cidr: '10.0.32.0/19' },
    expected: {
      nodeCidr: '10.0.0.0/19',
      serviceCidr: '10.0.32.0/19',
      controlPlaneSubnet: '10.0.0.128/25',
      loadBalancerSubnet: '10.0.1.0/25',
      workerSubnet: '10.0.16.0/25',
      controlPlanePrivateVipIpv4: '10.0.0.254',
      kubeApiLoadBalancerIpv4: '10.0.1.126',
    },
  },
  {
    name: 'overridden pod range and node subnet size',
    network: { podIpv4Cidr: '10.0.128.0/18', nodeSubnetMaskSize: 24, nativeRoutingIpv4Cidr: '10.0.128.0/17' },
    expected: {
      podCidr: '10.0.128.0/18',
      nodeSubnetMaskSize: 24,
      nativeRoutingCidr: '10.0.128.0/17',
      controlPlaneSubnet: '10.0.64.0/24',
      loadBalancerSubnet: '10.0.65.0/24',
      workerSubnet: '10.0.80.0/24',
      autoscalerSubnet: '10.0.81.0/24',
      controlPlanePrivateVipIpv4: '10.0.64.254',
      kubeApiLoadBalancerIpv4: '10.0.65.254',
    },
  },
];

describe('resolveNetworkLayout', () => {
  it.each(CASES)('$name', ({ network, expected }) => {
    const layout = resolveNetworkLayout(specWith({ network }));
    expect(layout).toMatchObject(expected);
    expect(layout.subnets.slice(0, 4).map((subnet) => subnet.ipRange)).toEqual([
      layout.controlPlaneSubnet,
      layout.loadBalancerSubnet,
      layout.workerSubnet,
      layout.autoscalerSubnet,
    ]);
  });

  it('lists the 30 legacy pinned slots of the default network', () => {
    const layout = resolveNetworkLayout(specWith({}));
    expect(layout.pinnedSubnetSlots).toHaveLength(30);
    expect(layout.pinnedSubnetSlots[0]).toBe('10.0.65.0/25');
    expect(layout.pinnedSubnetSlots[29]).toBe('10.0.79.128/25');
  });

  it('adds pinned pool subnets and ingress pool addresses', () => {
    const layout = resolveNetworkLayout(
      specWith({
        workers: {
          pools: [
            { name: 'pinned', location: 'fsn1', type: 'cpx22', subnet: '10.0.66.0/25' },
            { name: 'shared', location: 'fsn1', type: 'cpx22' },
          ],
        },
        autoscaler: {
          enabled: true,
          pools: [{ name: 'burst', location: 'nbg1', type: 'cpx22', max: 3, subnet: '10.0.70.128/25' }],
        },
        loadBalancers: {
          ingress: {
            pools: [
              { name: 'edge', location: 'fsn1', count: 2 },
              { name: 'edge2', location: 'nbg1' },
            ],
          },
        },
      }),
    );
    expect(layout.subnets.slice(4)).toEqual([
      { name: 'worker-pinned', role: 'worker', ipRange: '10.0.66.0/25', pool: 'pinned' },
      { name: 'autoscaler-burst', role: 'autoscaler', ipRange: '10.0.70.128/25', pool: 'burst' },
    ]);
    expect(layout.ingressPoolIpv4s).toEqual({ edge: ['10.0.64.251', '10.0.64.250'], edge2: ['10.0.64.249'] });
  });
});

describe('planAddresses failures', () => {
  it.each([
    [{ ipv4Cidr: '10.0.0.0/25' }, 'ipv4Cidr', /must be \/24 or larger/],
    [{ ipv4Cidr: '10.0.0.0/16', podIpv4Cidr: '10.0.128.0/25' }, 'podIpv4Cidr', /\/24 or larger/],
    [{ ipv4Cidr: '10.0.0.0/16', nodeSubnetMaskSize: 20 }, 'nodeSubnetMaskSize', /do not fit/],
    [{ ipv4Cidr: '10.0.0.0/16', podIpv4Cidr: '10.0.64.0/18' }, 'podIpv4Cidr', /overlaps the node range/],
    [{ ipv4Cidr: '10.0.0.0/8', serviceIpv4Cidr: '172.0.0.0/11' }, 'serviceIpv4Cidr', /\/12 or smaller/],
    [{ ipv4Cidr: '10.0.0.0/16', nodeIpv4Cidr: '10.1.0.0/19' }, 'nodeIpv4Cidr', /must lie inside the network/],
  ])('%j fails on %s', (network, field, message) => {
    const result = planAddresses(network);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.field).toBe(field);
      expect(result.message).toMatch(message);
    }
  });
});

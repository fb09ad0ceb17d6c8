/**
 * Glue between the spec and the pure Hetzner derivation: the network layout and facts that the
 * derivation takes as inputs.
 */
import { desiredInfrastructure } from '../plan/hcloud/desired.js';
import type { InfraFacts, InfraLayout, InfraSpec } from '../resources/hcloud/infra-spec.js';
import type { DesiredResource } from '../plan/types.js';
import { resolveNetworkLayout } from '../spec/network.js';
import type { Spec } from '../spec/schema.js';
import type { State } from '../state/reducer.js';
import type { Observation } from './provider.js';
import { schematicIdFor } from '../talos/config/schematic.js';

const ZONES: Record<string, string> = {
  fsn1: 'eu-central',
  nbg1: 'eu-central',
  hel1: 'eu-central',
  ash: 'us-east',
  hil: 'us-west',
  sin: 'ap-southeast',
};

export function infraLayout(spec: Spec): InfraLayout {
  const layout = resolveNetworkLayout(spec);
  const firstLocation = spec.controlPlane.pools[0]?.location ?? 'fsn1';
  const pinned: Record<string, string> = {};
  for (const subnet of layout.subnets)
    if (subnet.pool && subnet.role === 'worker') pinned[subnet.pool] = subnet.ipRange;
  return {
    networkCidr: layout.networkCidr,
    networkZone: spec.network.zone ?? ZONES[firstLocation] ?? 'eu-central',
    subnets: {
      controlPlane: layout.controlPlaneSubnet,
      loadBalancer: layout.loadBalancerSubnet,
      worker: layout.workerSubnet,
      autoscaler: layout.autoscalerSubnet,
    },
    pinnedSubnets: pinned,
    kubeApiLbPrivateIp: layout.kubeApiLoadBalancerIpv4,
    ingressLbPrivateIp: layout.ingressLoadBalancerIpv4,
  };
}

export function infraFacts(
  spec: Spec,
  state: State,
  observation: Observation,
  architectures?: InfraFacts['architectures'],
): InfraFacts {
  const servers: InfraFacts['servers'] = {};
  for (const r of observation.resources) {
    if (r.type !== 'server') continue;
    const ipv4 = typeof r.props.ipv4 === 'string' ? r.props.ipv4 : undefined;
    const ipv6 = typeof r.props.ipv6 === 'string' ? r.props.ipv6 : undefined;
    servers[r.address] = { id: r.id, ipv4, ipv6 };
  }
  const key = state.resources['ssh_key.main']?.attrs.public_key;
  return {
    operatorIpv4: observation.operatorIpv4,
    operatorIpv6: observation.operatorIpv6,
    sshPublicKey: typeof key === 'string' ? key : undefined,
    servers,
    ...(architectures ? { architectures } : {}),
    talosSchematic: schematicIdFor(spec),
  };
}

export function desiredResources(
  spec: Spec,
  state: State,
  observation: Observation,
  architectures?: InfraFacts['architectures'],
  surge: readonly string[] = [],
): DesiredResource[] {
  const infra: InfraSpec = spec;
  return desiredInfrastructure({
    spec: infra,
    layout: infraLayout(spec),
    facts: infraFacts(spec, state, observation, architectures),
    ...(surge.length > 0 ? { surge } : {}),
  });
}

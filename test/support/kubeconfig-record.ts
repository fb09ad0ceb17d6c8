/** The kubeconfig record of a running cluster in planner tests: pointing where the spec says. */
import { endpointUrl, externalEndpoint } from '../../src/plan/talos/endpoint.js';
import type { ClusterFacts } from '../../src/plan/talos/nodes.js';
import type { NetworkLayout } from '../../src/spec/network.js';
import type { Spec } from '../../src/spec/schema.js';

export function fetchedKubeconfig(
  spec: Spec,
  layout: NetworkLayout,
  facts: ClusterFacts,
): { server?: string } {
  const endpoint = externalEndpoint(spec, layout, facts);
  return endpoint ? { server: endpointUrl(endpoint.host) } : {};
}

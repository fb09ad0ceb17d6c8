/**
 * The kubeconfig record: fetched once the cluster is healthy, and re-pointed whenever the external
 * endpoint moves (a VIP or load balancer turned on or off, an address that changed), so that
 * people and hk8s's own Kubernetes client always reach the API the same way. Pure.
 */
import { actionId, fieldPatch } from '../diff.js';
import type { Action } from '../types.js';
import { endpointUrl, externalEndpoint } from './endpoint.js';
import { TALOS_KUBECONFIG } from './nodes.js';
import type { TalosPlanInput } from './plan-talos.js';

/** Infrastructure whose creation gives the external endpoint its address. */
const ENDPOINT_PROVIDERS = ['load_balancer.kube-api', 'floating_ip.control-plane'];

export function kubeconfigAction(
  input: TalosPlanInput,
  infra: readonly Action[],
  after: { configs: string[]; health?: string; bootstrap?: string },
): Action | undefined {
  const providers = infra
    .filter((a) => ENDPOINT_PROVIDERS.includes(a.address) && (a.kind === 'create' || a.kind === 'replace'))
    .map((a) => a.id);
  if (!input.kubeconfig) {
    const deps = after.health ? [after.health] : after.bootstrap ? [after.bootstrap] : [];
    return {
      id: actionId('create', TALOS_KUBECONFIG),
      address: TALOS_KUBECONFIG,
      reason: 'no kubeconfig fetched yet',
      dependsOn: [...new Set([...deps, ...providers])].sort(),
      kind: 'create',
      type: 'talos_kubeconfig',
      props: {},
    };
  }
  const wanted = externalEndpoint(input.spec, input.layout, input.facts);
  const server = wanted ? endpointUrl(wanted.host) : null;
  const recorded = input.kubeconfig.server;
  if (server === recorded || (server === null && providers.length === 0)) return undefined;
  const before = { server: recorded ?? null };
  const next = { server };
  // The new address must be in every certificate before clients use it.
  const deps = [...after.configs, ...(after.health ? [after.health] : []), ...providers];
  return {
    id: actionId('update', TALOS_KUBECONFIG),
    address: TALOS_KUBECONFIG,
    reason: server === null ? 'the API endpoint moves (address known after apply)' : 'the API endpoint moved',
    dependsOn: [...new Set(deps)].sort(),
    kind: 'update',
    type: 'talos_kubeconfig',
    resourceId: 'kubeconfig',
    before,
    after: next,
    patch: fieldPatch(before, next),
  };
}

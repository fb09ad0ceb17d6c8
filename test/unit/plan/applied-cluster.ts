/**
 * A cluster as a unit test of planning sees it after an apply (every server observed, every node's
 * config recorded, secrets and kubeconfig fetched), and a plan of a spec change against it: shared
 * by the node-change and rolling-order tests.
 */
import { infraLayout } from '../../../src/engine/infra.js';
import { desiredInfrastructure } from '../../../src/plan/hcloud/desired.js';
import { diffResources } from '../../../src/plan/diff.js';
import { makePlan, type Plan } from '../../../src/plan/plan.js';
import { replacingServers, surgePools } from '../../../src/plan/talos/surge.js';
import { renderNodeConfig, talosNodes, type ClusterFacts } from '../../../src/plan/talos/nodes.js';
import type { TalosPlanInput } from '../../../src/plan/talos/plan-talos.js';
import type { Action, ObservedResource } from '../../../src/plan/types.js';
import { resolveNetworkLayout } from '../../../src/spec/network.js';
import type { Spec } from '../../../src/spec/schema.js';
import { validateSpec } from '../../../src/spec/validate.js';
import { SECRETS } from '../talos/config/fixtures.js';
import { fetchedKubeconfig } from '../../support/kubeconfig-record.js';

/** The control planes' VIP documents carry a token: without one their configs do not render. */
const VIP_TOKEN = 'hcloud-token-for-unit-tests';

export type Pools = Array<{
  name: string;
  count: number;
  type?: string;
  upgrade?: { maxUnavailable?: number; maxSurge?: number };
}>;

export const spec = (cp: Pools, workers: Pools): Spec =>
  validateSpec({
    cluster: { name: 'unit' },
    firewall: { apiSources: ['127.0.0.1/32'] },
    controlPlane: {
      publicVipIpv4: { enabled: false },
      pools: cp.map((p) => ({ location: 'fsn1', type: 'cpx22', ...p })),
    },
    workers: { pools: workers.map((p) => ({ location: 'fsn1', type: 'cpx32', ...p })) },
    loadBalancers: { kubeApi: { enabled: true } },
  });

/** A running cluster made from `base`: every resource observed, every node configured and bootstrapped. */
export function running(base: Spec) {
  const desired = desiredInfrastructure({ spec: base, layout: infraLayout(base), facts: { servers: {} } });
  const facts: ClusterFacts = { servers: {} };
  talosNodes(base).forEach((n, i) => {
    facts.servers[n.server] = {
      id: String(100 + i),
      ipv4: `127.9.0.${i + 2}`,
      privateIp: `10.0.64.${i + 2}`,
    };
  });
  const observed: ObservedResource[] = desired.map((d, i) => {
    const fact = facts.servers[d.address];
    return {
      address: d.address,
      type: d.type,
      id: fact?.id ?? String(1000 + i),
      props: { ...d.props, ...(fact ? { ipv4: fact.ipv4 ?? null, private_ip: fact.privateIp ?? null } : {}) },
    };
  });
  const layout = resolveNetworkLayout(base);
  const applied: TalosPlanInput['applied'] = {};
  for (const node of talosNodes(base)) {
    const rendered = renderNodeConfig(base, layout, SECRETS, node, facts, undefined, VIP_TOKEN);
    if (!rendered) throw new Error('config must render');
    applied[node.config] = {
      serverId: facts.servers[node.server]?.id ?? '',
      hash: rendered.hash,
      config: rendered.config,
      role: node.role,
    };
  }
  return { observed, facts, applied };
}

export interface Change {
  replace?: string[];
  force?: boolean;
  /** Changes the world before planning (a server deleted by hand, a replaced server). */
  edit?: (world: ReturnType<typeof running>) => void;
}

/** As the session plans: the surge servers of pools with nodes to replace are wanted too. */
export function planChange(from: Spec, to: Spec, change: Change = {}): Plan {
  const world = running(from);
  change.edit?.(world);
  const desired = (surge: readonly string[]) =>
    desiredInfrastructure({ spec: to, layout: infraLayout(to), facts: { servers: {} }, surge });
  const talos: TalosPlanInput = {
    spec: to,
    layout: resolveNetworkLayout(to),
    secrets: SECRETS,
    facts: world.facts,
    applied: world.applied,
    bootstrapped: true,
    hcloudToken: VIP_TOKEN,
    kubeconfig: fetchedKubeconfig(to, resolveNetworkLayout(to), world.facts),
  };
  const replacing = replacingServers(diffResources(desired([]), world.observed, { replace: change.replace }));
  return makePlan({
    cluster: 'unit',
    command: 'apply',
    specHash: 'h',
    stateHead: { seq: 1, hash: null },
    desired: desired(surgePools(talos, replacing)),
    observed: world.observed,
    ...(change.replace ? { replace: change.replace } : {}),
    ...(change.force ? { force: true } : {}),
    talos,
  });
}

export const ids = (plan: Plan) => plan.graph.actions.map((a) => a.id);
export const action = (plan: Plan, id: string): Action => {
  const found = plan.graph.actions.find((a) => a.id === id);
  if (!found) throw new Error(`${id} is not planned: ${ids(plan).join(', ')}`);
  return found;
};

/** Whether `later` (transitively) depends on `earlier`. */
export function after(plan: Plan, later: string, earlier: string): boolean {
  const seen = new Set<string>();
  const stack = [...action(plan, later).dependsOn];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (id === earlier) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...action(plan, id).dependsOn);
  }
  return false;
}

/** Each step (transitively) after the one before it. */
export function expectInOrder(plan: Plan, steps: readonly string[]): void {
  for (let i = 1; i < steps.length; i++) {
    if (!after(plan, steps[i] as string, steps[i - 1] as string))
      throw new Error(`${steps[i]} does not wait for ${steps[i - 1]}`);
  }
}

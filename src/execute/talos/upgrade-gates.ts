/**
 * Health gates between upgrade steps (`wait` actions with condition `upgrade-gate`): etcd members
 * and leader, every node Ready, the control-plane pods running — each polled until it passes; the
 * first that times out stops the run naming the check. A resumed run plans them again, so it
 * re-checks before it touches the next node.
 */
import type { TalosNode } from '../../plan/talos/nodes.js';
import type { WaitAction } from '../../plan/types.js';
import type { RunContext } from '../runner.js';
import type { TalosAccess } from './access.js';
import type { TalosConnections } from './connections.js';
import { etcdProblem, type ControlPlaneTarget } from './upgrade-etcd.js';
import type { NodeKube } from './upgrade-kube.js';
import { pollUntil, type Check } from './upgrade-wait.js';

export const CONTROL_PLANE_COMPONENTS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];

/** The spec's nodes that hk8s has configured (new nodes still coming up are not gated on). */
export function configuredNodes(talos: TalosAccess, ctx: RunContext): TalosNode[] {
  return talos.nodes.filter(
    (n) => ctx.recordOf(n.config) !== undefined && typeof ctx.recordOf(n.server)?.attrs.ipv4 === 'string',
  );
}

export function controlPlaneTargets(talos: TalosAccess, ctx: RunContext): ControlPlaneTarget[] {
  return configuredNodes(talos, ctx)
    .filter((n) => n.role === 'controlplane')
    .map((n) => ({ server: n.server, hostname: n.hostname, ip: talos.nodeIp(n.server, ctx) }));
}

async function nodesProblem(kube: NodeKube, ctx: RunContext, names: string[]): Promise<string | undefined> {
  const nodes = await kube.nodes(ctx);
  if (!nodes) return undefined;
  for (const name of names) {
    const node = nodes.find((n) => n.name === name);
    if (!node) return `node ${name} is not registered`;
    if (!node.ready) return `node ${name} is not Ready (${node.readyCondition?.reason ?? 'no status'})`;
  }
  return undefined;
}

async function podsProblem(kube: NodeKube, ctx: RunContext, names: string[]): Promise<string | undefined> {
  if ((await kube.nodes(ctx)) === undefined) return undefined;
  for (const component of CONTROL_PLANE_COMPONENTS) {
    const pods = await kube.pods(ctx, 'kube-system', `k8s-app=${component}`);
    for (const name of names) {
      const pod = pods.find((p) => p.nodeName === name);
      if (!pod) return `${component} has no pod on ${name}`;
      if (pod.phase !== 'Running' || !pod.ready)
        return `${component} on ${name} is ${pod.phase ?? 'pending'}`;
    }
  }
  return undefined;
}

export function gateChecks(
  talos: TalosAccess,
  kube: NodeKube,
  c: TalosConnections,
  ctx: RunContext,
): Array<[name: string, check: Check]> {
  const call = { timeoutMs: c.timings.callTimeoutMs };
  const nodes = () => configuredNodes(talos, ctx);
  return [
    [
      'etcd members and leader',
      () => etcdProblem(controlPlaneTargets(talos, ctx), (ip) => c.client(ip), call),
    ],
    [
      'every node Ready',
      () =>
        nodesProblem(
          kube,
          ctx,
          nodes().map((n) => n.hostname),
        ),
    ],
    [
      'control-plane pods running',
      () =>
        podsProblem(
          kube,
          ctx,
          nodes()
            .filter((n) => n.role === 'controlplane')
            .map((n) => n.hostname),
        ),
    ],
  ];
}

export async function runGate(
  talos: TalosAccess,
  kube: NodeKube,
  action: WaitAction,
  ctx: RunContext,
): Promise<void> {
  await talos.withConnections(ctx, async (c) => {
    for (const [name, check] of gateChecks(talos, kube, c, ctx)) {
      await pollUntil(check, {
        what: `health gate "${name}"`,
        where: action.address,
        timeoutMs: c.timings.healthTimeoutMs,
        pollMs: c.timings.pollMs,
        signal: ctx.signal,
        hint: 'Look at the node it names (`hk8s status`, `kubectl get nodes`); `hk8s resume` checks again and continues.',
        onProblem: (problem) => ctx.progress(`${name}: ${problem}`),
      });
    }
  });
}

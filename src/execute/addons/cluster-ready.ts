/**
 * `wait` (cluster-ready), apply's last gate: every node hk8s expects is registered and Ready, and —
 * when a cloud controller is installed — has a providerID and no uninitialized taint, and every
 * addon's checks still pass. Until then the run has not succeeded.
 */
import { Hk8sError } from '../../errors.js';
import type { ReadinessCheck } from '../../addons/checks.js';
import type { KubeClient, NodeInfo } from '../../providers/kube/index.js';
import type { WaitAction } from '../../plan/types.js';
import type { RunContext } from '../runner.js';
import { pause, type AddonAccess } from './access.js';
import { firstUnready } from './checks.js';

const UNINITIALIZED = 'node.cloudprovider.kubernetes.io/uninitialized';

interface Detail {
  nodes: string[];
  providerIds: boolean;
  addons: string[];
}

function detailOf(action: WaitAction): Detail {
  const d = action.detail ?? {};
  return {
    nodes: Array.isArray(d.nodes) ? d.nodes.map(String) : [],
    providerIds: d.providerIds === true,
    addons: Array.isArray(d.addons) ? d.addons.map(String) : [],
  };
}

/** Why a node is not done, or undefined. */
export function nodeProblem(
  name: string,
  node: NodeInfo | undefined,
  providerIds: boolean,
): string | undefined {
  if (!node) return `node ${name} is not registered`;
  if (!node.ready) {
    const why = node.readyCondition?.message ?? node.readyCondition?.reason;
    return `node ${name} is NotReady${why ? ` (${why})` : ''}`;
  }
  if (providerIds && !node.providerID) return `node ${name} has no providerID yet`;
  if (providerIds && node.taints.some((t) => t.key === UNINITIALIZED)) {
    return `node ${name} still has the ${UNINITIALIZED} taint`;
  }
  return undefined;
}

async function firstProblem(
  kube: KubeClient,
  detail: Detail,
  ctx: RunContext,
): Promise<{ why: string; failed: boolean } | undefined> {
  const nodes = new Map((await kube.listNodes({}, { signal: ctx.signal })).map((n) => [n.name, n]));
  for (const name of detail.nodes) {
    const problem = nodeProblem(name, nodes.get(name), detail.providerIds);
    if (problem) return { why: problem, failed: false };
  }
  for (const addon of detail.addons) {
    const checks = ctx.recordOf(`addon.${addon}`)?.attrs.checks;
    if (!Array.isArray(checks)) continue;
    const unready = await firstUnready(kube, checks as ReadinessCheck[], ctx.signal);
    if (unready) return { why: `addon ${addon}: ${unready.why}`, failed: unready.state === 'failed' };
  }
  return undefined;
}

export async function waitClusterReady(
  access: AddonAccess,
  action: WaitAction,
  ctx: RunContext,
): Promise<void> {
  const detail = detailOf(action);
  const kube = await access.kube(ctx);
  const deadline = Date.now() + access.timing.nodesTimeoutMs;
  for (;;) {
    const problem = await firstProblem(kube, detail, ctx);
    if (!problem) return;
    if (problem.failed || Date.now() > deadline) {
      throw new Hk8sError('cluster.not-ready', `the cluster is not Ready: ${problem.why}`, {
        where: action.address,
        hint: 'Check the nodes and kube-system pods with kubectl, fix the cause, then run `hk8s resume`.',
      });
    }
    ctx.progress(problem.why);
    await pause(access.timing.pollMs, ctx.signal);
  }
}

/**
 * `upgrade`: one step of a node's rolling Talos upgrade. On a control plane, etcd's own
 * pre-checks; install the new version, cordoning and draining the node right before it goes down
 * (upgrade-install.ts); wait until the node reports it, etcd has it back and its Kubernetes Node
 * is Ready on the new OS image; uncordon. The node's
 * reported version decides what is left to do, so a step that is run again (resume) never installs
 * twice: a node already on the target only gets the waits and the uncordon.
 */
import type { UpgradeAction } from '../../plan/types.js';
import type { TalosClient } from '../../providers/talos/client/index.js';
import type { KindRunner } from '../runners.js';
import { planAgain } from '../runners.js';
import type { ActionOutcome, Reconciliation, RunContext } from '../runner.js';
import type { TalosAccess } from './access.js';
import type { TalosConnections } from './connections.js';
import { etcdProblem, refuseTwoMembers, type ControlPlaneTarget } from './upgrade-etcd.js';
import { controlPlaneTargets } from './upgrade-gates.js';
import { installWhenFree } from './upgrade-busy.js';
import { waitForNewVersion } from './upgrade-install.js';
import type { NodeKube } from './upgrade-kube.js';
import { pollUntil } from './upgrade-wait.js';

export interface UpgradeDeps {
  talos: TalosAccess;
  kube: NodeKube;
}

interface Step {
  action: UpgradeAction;
  ctx: RunContext;
  c: TalosConnections;
  client: TalosClient;
  hostname: string;
  deps: UpgradeDeps;
}

const RESUME_HINT = '`hk8s resume` looks at the node again and continues from it.';

/** The version the node runs now, waiting for it to answer (a resumed run may find it rebooting). */
async function runningVersion(step: Step): Promise<string> {
  let tag = '';
  await pollUntil(
    async () => {
      tag = (await step.client.version({ timeoutMs: step.c.timings.callTimeoutMs, attempts: 1 })).tag;
      return tag ? undefined : 'the node reported no version';
    },
    {
      what: `${step.hostname} to answer`,
      where: step.action.node,
      timeoutMs: step.c.timings.installTimeoutMs,
      pollMs: step.c.timings.pollMs,
      signal: step.ctx.signal,
      hint: `Check that the server runs and port 50000 is reachable. ${RESUME_HINT}`,
    },
  );
  return tag;
}

function etcdHealthy(step: Step, cps: ControlPlaneTarget[], when: string): Promise<void> {
  const call = { timeoutMs: step.c.timings.callTimeoutMs, attempts: 1 };
  return pollUntil(() => etcdProblem(cps, (ip) => step.c.client(ip), call), {
    what: `etcd healthy ${when}`,
    where: step.action.node,
    timeoutMs: step.c.timings.healthTimeoutMs,
    pollMs: step.c.timings.pollMs,
    signal: step.ctx.signal,
    hint: `Every control plane must be a started, healthy etcd member with one leader. ${RESUME_HINT}`,
    onProblem: (problem) => step.ctx.progress(problem),
  });
}

async function install(step: Step, running: string): Promise<void> {
  const { action, ctx, c, deps } = step;
  const cps = controlPlaneTargets(deps.talos, ctx);
  if (action.role === 'controlplane') {
    const self = cps.find((cp) => cp.server === action.node);
    if (self) await refuseTwoMembers(self, (ip) => c.client(ip), { timeoutMs: c.timings.callTimeoutMs });
    await etcdHealthy(step, cps, `before ${step.hostname} is upgraded`);
  }
  const drain = async () => {
    const drained = await deps.kube.drain(action.node, ctx);
    ctx.progress(
      drained.drained ? `drained (${drained.evicted} pods evicted)` : (drained.why ?? 'not drained'),
    );
  };
  const ip = deps.talos.nodeIp(action.node, ctx);
  const target = { action, hostname: step.hostname, ctx, timing: c.timings, dial: () => c.fresh(ip) };
  const how = await installWhenFree(step.client, target, running, drain).catch(async (error: unknown) => {
    // Nothing was rebooted: the node keeps serving on its old version, so it takes work again.
    await deps.kube.uncordon(action.node, ctx).catch(() => undefined);
    throw error;
  });
  if (how === 'taken') {
    ctx.progress(`${step.hostname} came back on ${action.to} from an earlier run's request`);
    return;
  }
  ctx.progress(`${how === 'lifecycle' ? 'rebooting' : 'legacy upgrade sent'}; waiting for ${action.to}`);
  await waitForNewVersion(() => c.fresh(ip), action, running, step.hostname, ctx, c.timings);
}

/** Back on the new version: etcd whole again, the Node Ready on the new OS image, schedulable. */
async function settle(step: Step): Promise<void> {
  const { action, ctx, deps } = step;
  if (action.role === 'controlplane') {
    await etcdHealthy(step, controlPlaneTargets(deps.talos, ctx), `after ${step.hostname} came back`);
  }
  const image = `Talos (${action.to})`;
  await deps.kube.waitReady(action.node, ctx, {
    timeoutMs: step.c.timings.healthTimeoutMs,
    check: (node) =>
      node.osImage === undefined || node.osImage === image
        ? undefined
        : `reports ${node.osImage}, waiting for ${image}`,
  });
  await deps.kube.uncordon(action.node, ctx);
}

/** The node's config record, now saying which installer it runs (schematic changes compare it). */
function installedRecord(step: Step): ActionOutcome {
  const node = step.deps.talos.node(step.action.node);
  const record = step.ctx.recordOf(node.config);
  if (!record) return {};
  return { resource: { ...record, attrs: { ...record.attrs, installer: step.action.image } } };
}

async function withStep<T>(
  deps: UpgradeDeps,
  action: UpgradeAction,
  ctx: RunContext,
  work: (step: Step) => Promise<T>,
): Promise<T> {
  const node = deps.talos.node(action.node);
  const ip = deps.talos.nodeIp(action.node, ctx);
  return deps.talos.withConnections(ctx, async (c) =>
    work({ action, ctx, c, client: await c.client(ip), hostname: node.hostname, deps }),
  );
}

async function upgrade(deps: UpgradeDeps, action: UpgradeAction, ctx: RunContext): Promise<ActionOutcome> {
  return withStep(deps, action, ctx, async (step) => {
    const running = await runningVersion(step);
    // The same version again means a new schematic: only then is a node on the target installed.
    const taken = running === action.to && action.from !== action.to;
    if (taken) ctx.progress(`${step.hostname} already runs ${action.to}`);
    else await install(step, running);
    await settle(step);
    return installedRecord(step);
  });
}

/**
 * An upgrade whose end was not recorded: done if the node already runs the target (then it is
 * settled — Ready, uncordoned — here), else planned again from the version observed. Planned
 * again, the node is uncordoned first: the dead run may have drained it, and if the install it
 * sent finishes before the new plan looks, that plan has no step for the node and nothing else
 * would ever make it schedulable again (seen as one node more unavailable than maxUnavailable
 * through the rest of the rollout). A step the new plan does have drains it again.
 */
async function reconcile(deps: UpgradeDeps, request: unknown, ctx: RunContext): Promise<Reconciliation> {
  const action = request as UpgradeAction | undefined;
  if (!action?.node || !action.to || action.from === action.to) return planAgain({ kind: 'upgrade' });
  const again = async (): Promise<Reconciliation> => {
    await deps.kube.uncordon(action.node, ctx).catch(() => undefined);
    return planAgain({ kind: 'upgrade' });
  };
  try {
    return await withStep(deps, action, ctx, async (step) => {
      const tag = (await step.client.version({ timeoutMs: step.c.timings.callTimeoutMs, attempts: 1 })).tag;
      if (tag !== action.to) return again();
      await settle(step);
      return { status: 'done', outcome: installedRecord(step) };
    });
  } catch {
    return again();
  }
}

export function upgradeRunner(deps: UpgradeDeps): KindRunner<UpgradeAction> {
  return {
    // The whole action: resume needs node, from, to and image to look the node up again.
    describe: (action) => ({
      kind: action.kind,
      address: action.address,
      node: action.node,
      role: action.role,
      from: action.from,
      to: action.to,
      image: action.image,
    }),
    run: (action, ctx) => upgrade(deps, action, ctx),
    reconcile: (pending, ctx) => reconcile(deps, pending.request, ctx),
  };
}

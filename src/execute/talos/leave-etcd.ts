/**
 * `leave-etcd`: a control plane that is removed leaves etcd itself before its server is deleted,
 * so the remaining members keep their quorum.
 */
import { Hk8sError } from '../../errors.js';
import type { LeaveEtcdAction } from '../../plan/types.js';
import type { KindRunner } from '../runners.js';
import { planAgain } from '../runners.js';
import type { ActionOutcome, RunContext } from '../runner.js';
import type { TalosAccess } from './access.js';

async function leaveEtcd(
  talos: TalosAccess,
  action: LeaveEtcdAction,
  ctx: RunContext,
): Promise<ActionOutcome> {
  const ip = ctx.recordOf(action.node)?.attrs.ipv4;
  // A server hk8s knows no address of has no node that could still be a member.
  if (typeof ip !== 'string') return {};
  try {
    await talos.withConnections(ctx, (c) => c.leaveEtcd(ip));
  } catch (error) {
    // A node that is already gone cannot leave; its server is deleted next either way, and
    // refusing here would leave the scale-down stuck. Other refusals (e.g. the last member) stand.
    if (!(error instanceof Hk8sError && error.code === 'provider.unreachable')) throw error;
    ctx.progress(`${action.node} is unreachable and could not leave etcd itself`);
  }
  return {};
}

export function leaveEtcdRunner(talos: TalosAccess): KindRunner<LeaveEtcdAction> {
  return {
    describe: (action) => ({ node: action.node, member: action.member }),
    run: (action, ctx) => leaveEtcd(talos, action, ctx),
    reconcile: async (pending) => planAgain(pending),
  };
}

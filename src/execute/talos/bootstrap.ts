/** `bootstrap`: etcd is bootstrapped on the first control plane exactly once; resume asks etcd first. */
import { bootstrapNode } from '../../plan/talos/nodes.js';
import type { BootstrapAction } from '../../plan/types.js';
import type { KindRunner } from '../runners.js';
import type { ActionOutcome, PendingAction, Reconciliation, RunContext } from '../runner.js';
import type { TalosAccess } from './access.js';

function bootstrapped(server: string, ctx: RunContext): ActionOutcome {
  return {
    resource: {
      address: 'talos.bootstrap',
      type: 'talos_bootstrap',
      id: ctx.idOf(server) ?? server,
      attrs: { node: server },
    },
  };
}

/** The node named in the journaled request, else the spec's first control plane. */
function requestedNode(pending: PendingAction, talos: TalosAccess): string | undefined {
  const request = pending.request;
  const node =
    request !== null && typeof request === 'object' && 'node' in request ? request.node : undefined;
  return typeof node === 'string' ? node : bootstrapNode(talos.spec)?.server;
}

async function reconcileBootstrap(
  talos: TalosAccess,
  pending: PendingAction,
  ctx: RunContext,
): Promise<Reconciliation> {
  const server = requestedNode(pending, talos);
  const ip = server ? ctx.recordOf(server)?.attrs.ipv4 : undefined;
  if (server && typeof ip === 'string') {
    const formed = await talos.withConnections(ctx, (c) => c.etcdFormed(ip)).catch(() => false);
    if (formed) return { status: 'done', outcome: bootstrapped(server, ctx) };
  }
  return { status: 'not-done', reason: 'etcd has no members yet' };
}

export function bootstrapRunner(talos: TalosAccess): KindRunner<BootstrapAction> {
  return {
    describe: (action) => ({ node: action.node }),
    run: async (action, ctx) => {
      const ip = talos.nodeIp(action.node, ctx);
      await talos.withConnections(ctx, (c) => c.bootstrapOnce(ip));
      return bootstrapped(action.node, ctx);
    },
    reconcile: (pending, ctx) => reconcileBootstrap(talos, pending, ctx),
  };
}

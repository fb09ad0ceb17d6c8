/**
 * The Kubernetes Node objects of servers that go: deleted once the server is gone (removal) or
 * replaced (before the new machine's kubelet registers under the same name). How is the injected
 * `NodeObjects`' business (the Kubernetes API: src/execute/kube/drainer.ts).
 */
import type { DeleteAction, ResourceAction } from '../plan/types.js';
import type { ResourceDriver } from './resources.js';
import { planAgain } from './runners.js';
import type { RunContext } from './runner.js';

export interface NodeObjectReport {
  deleted: boolean;
  /** Why nothing was deleted, when `deleted` is false. */
  why?: string;
}

export interface NodeReadyReport {
  ready: boolean;
  /** Why readiness was not waited for, when `ready` is false. */
  why?: string;
}

export interface NodeObjects {
  /**
   * Deletes the Node object of the server at this address. With `keepIfAddress`, a Node that
   * already reports that address belongs to the new machine and is kept.
   */
  deleteNode(
    server: string,
    ctx: RunContext,
    options?: { keepIfAddress?: string },
  ): Promise<NodeObjectReport>;
  /** Waits until the node of the server at this address is registered (and Ready, once any node is). */
  waitReady(server: string, ctx: RunContext): Promise<NodeReadyReport>;
}

const notNodeAction = async (action: ResourceAction): Promise<never> => {
  throw new Error(`${action.kind} ${action.address}: hk8s only ever deletes Node objects`);
};

async function deleteNodeObject(nodes: NodeObjects, action: DeleteAction, ctx: RunContext) {
  const server = String(action.before.server ?? '');
  // A replaced server's new machine may already have registered the name: its Node stays.
  const current = action.before.replaced === true ? ctx.recordOf(server)?.attrs.ipv4 : undefined;
  const report = await nodes.deleteNode(
    server,
    ctx,
    typeof current === 'string' ? { keepIfAddress: current } : {},
  );
  if (!report.deleted && report.why) ctx.progress(report.why);
  return { resource: null, outputs: report };
}

/** The resource driver of `kube_node`: delete only, safe to repeat. */
export function nodeObjectDriver(nodes: NodeObjects): ResourceDriver {
  return {
    describe: (action) => ({ kind: action.kind, address: action.address }),
    create: notNodeAction,
    update: notNodeAction,
    replace: notNodeAction,
    delete: (action, ctx) => deleteNodeObject(nodes, action, ctx),
    // Deleting a Node that is gone is a no-op, so an interrupted deletion is simply planned again.
    reconcile: async (pending) => planAgain(pending),
  };
}

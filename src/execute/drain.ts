/**
 * `drain`: before a node's server is deleted or replaced, its workloads are evicted. How is the
 * injected `NodeDrainer`'s business (the Kubernetes API: src/execute/kube/drainer.ts); the
 * composition root chooses one.
 */
import type { DrainAction } from '../plan/types.js';
import type { KindRunner } from './runners.js';
import { planAgain } from './runners.js';
import type { RunContext } from './runner.js';

/** What a drain did, journaled as the action's outputs. */
export interface DrainReport {
  /** True when the node was cordoned and its pods evicted. */
  drained: boolean;
  /** How many pods were evicted. */
  evicted: number;
  /** Why nothing was drained, when `drained` is false. */
  why?: string;
}

export interface NodeDrainer {
  /** Cordons the node at this server address and evicts its pods. */
  drain(node: string, ctx: RunContext): Promise<DrainReport>;
}

export function drainRunner(drainer: NodeDrainer): KindRunner<DrainAction> {
  return {
    describe: (action) => ({ node: action.node }),
    run: async (action, ctx) => ({ outputs: await drainer.drain(action.node, ctx) }),
    // A drain is safe to repeat: it is planned again with the deletion it protects.
    reconcile: async (pending) => planAgain(pending),
  };
}

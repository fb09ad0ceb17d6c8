/**
 * The `node-back` wait: a node whose server was powered off and on (a type change, a power-on of a
 * server found off) is Ready again, then uncordoned. Dispatched with the other wait conditions by
 * `waits.ts`; the health gate after a control plane is a wait of its own (`upgrade-gate`).
 */
import type { WaitAction } from '../plan/types.js';
import type { NodeKube } from './talos/upgrade-kube.js';
import { planAgain, type KindRunner } from './runners.js';

export function nodeBackRunner(kube: NodeKube): KindRunner<WaitAction> {
  return {
    describe: (action) => ({ kind: action.kind, address: action.address, condition: action.condition }),
    run: async (action, ctx) => {
      ctx.progress('waiting for the node to be Ready again');
      await kube.waitReady(action.address, ctx, {});
      await kube.uncordon(action.address, ctx);
      return {};
    },
    // Waiting and uncordoning are safe to repeat.
    reconcile: async (pending) => planAgain(pending),
  };
}

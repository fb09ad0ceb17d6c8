/**
 * The `node-joined` wait: a replaced node's new machine is in etcd (for a control plane) and its
 * Node Ready. Dispatched with the other wait conditions by `waits.ts`.
 */
import { serverOf } from '../plan/talos/nodes.js';
import type { WaitAction } from '../plan/types.js';
import type { EtcdJoin } from './talos/leave-etcd.js';
import type { NodeObjects } from './node-objects.js';
import { planAgain, type KindRunner } from './runners.js';

export function joinedRunner(etcd: EtcdJoin, nodes: NodeObjects): KindRunner<WaitAction> {
  return {
    describe: (action) => ({ kind: action.kind, address: action.address, condition: action.condition }),
    run: async (action, ctx) => {
      const server = serverOf(action.address);
      await etcd.waitJoined(server, ctx);
      const ready = await nodes.waitReady(server, ctx);
      if (!ready.ready && ready.why) ctx.progress(ready.why);
      return { outputs: ready };
    },
    reconcile: async (pending) => planAgain(pending),
  };
}

/**
 * `wait` actions, by condition: `talos-health` (the cluster's gate) and `node-joined` (a replaced
 * node's new machine is in etcd, for a control plane, and its Node Ready). An unknown condition is
 * a plan from another hk8s version and is refused, never skipped.
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

export function waitRunner(conditions: Record<string, KindRunner<WaitAction>>): KindRunner<WaitAction> {
  const runnerOf = (condition: string): KindRunner<WaitAction> => {
    const runner = conditions[condition];
    if (!runner) throw new Error(`no runner for the wait condition ${condition}`);
    return runner;
  };
  return {
    describe: (action) => runnerOf(action.condition).describe(action),
    run: (action, ctx) => runnerOf(action.condition).run(action, ctx),
    // Every wait is repeated on resume: what it waits for is looked at again.
    reconcile: async (pending) => planAgain(pending),
  };
}

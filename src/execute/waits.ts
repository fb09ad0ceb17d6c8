/**
 * The `wait` kind, dispatched by condition: `talos-health` (Talos and etcd), `upgrade-gate`
 * (between upgrade steps, both in `talos/health.ts`), `node-joined` (a
 * replaced node back in etcd and Ready, `node-joined.ts`), `node-back` (a powered-off node Ready
 * and uncordoned, `node-back.ts`), `cluster-ready` (Kubernetes nodes and addons). A condition without a runner here is a bug, reported as one.
 */
import type { WaitAction } from '../plan/types.js';
import type { KindRunner } from './runners.js';
import { planAgain } from './runners.js';

export const WAIT_CONDITIONS = [
  'talos-health',
  'upgrade-gate',
  'node-joined',
  'node-back',
  'cluster-ready',
] as const;
export type WaitCondition = (typeof WAIT_CONDITIONS)[number];

export type WaitRunners = { [C in WaitCondition]: KindRunner<WaitAction> };

function runnerFor(runners: WaitRunners, action: { condition: string }): KindRunner<WaitAction> {
  const runner = (runners as Record<string, KindRunner<WaitAction> | undefined>)[action.condition];
  if (!runner) throw new Error(`no runner for wait condition ${action.condition}`);
  return runner;
}

export function waitRunner(runners: WaitRunners): KindRunner<WaitAction> {
  return {
    describe: (action) => runnerFor(runners, action).describe(action),
    run: (action, ctx) => runnerFor(runners, action).run(action, ctx),
    // Waiting has no effect to look up: wait again.
    reconcile: async (pending) => planAgain(pending),
  };
}

/**
 * `wait`: `talos-health` — every node answers over mTLS and etcd has every control plane;
 * `upgrade-gate` — the health gates between upgrade steps (upgrade-gates.ts).
 */
import type { WaitAction } from '../../plan/types.js';
import type { KindRunner } from '../runners.js';
import { planAgain } from '../runners.js';
import { describeIdentity, type TalosAccess } from './access.js';
import { runGate } from './upgrade-gates.js';
import type { NodeKube } from './upgrade-kube.js';

export function healthRunner(talos: TalosAccess, kube: NodeKube): KindRunner<WaitAction> {
  return {
    describe: describeIdentity,
    run: async (action, ctx) => {
      if (action.condition === 'upgrade-gate') await runGate(talos, kube, action, ctx);
      else await talos.withConnections(ctx, (c) => c.waitHealthy(talos.nodes));
      return {};
    },
    reconcile: async (pending) => planAgain(pending),
  };
}

/** `wait` (talos-health): every node answers over mTLS and etcd has every control plane. */
import type { WaitAction } from '../../plan/types.js';
import type { KindRunner } from '../runners.js';
import { planAgain } from '../runners.js';
import { describeIdentity, type TalosAccess } from './access.js';

export function healthRunner(talos: TalosAccess): KindRunner<WaitAction> {
  return {
    describe: describeIdentity,
    run: async (_action, ctx) => {
      await talos.withConnections(ctx, (c) => c.waitHealthy(talos.nodes));
      return {};
    },
    reconcile: async (pending) => planAgain(pending),
  };
}

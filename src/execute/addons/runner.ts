/** The addon runners: the `addon` resource driver and the `cluster-ready` wait, sharing one AddonAccess. */
import type { WaitAction } from '../../plan/types.js';
import type { ResourceDriver } from '../resources.js';
import type { KindRunner } from '../runners.js';
import { planAgain } from '../runners.js';
import { AddonAccess, type AddonAccessOptions } from './access.js';
import { waitClusterReady } from './cluster-ready.js';
import { addonDriver } from './driver.js';

export { REAL_ADDON_TIMING, type AddonTiming, type AddonAccessOptions } from './access.js';

export interface AddonRunners {
  driver: ResourceDriver;
  clusterReady: KindRunner<WaitAction>;
}

export function addonRunners(options: AddonAccessOptions): AddonRunners {
  const access = new AddonAccess(options);
  return {
    driver: addonDriver(access),
    clusterReady: {
      describe: (action) => ({ kind: action.kind, address: action.address, condition: action.condition }),
      run: async (action, ctx) => {
        await waitClusterReady(access, action, ctx);
        return {};
      },
      reconcile: async (pending) => planAgain(pending),
    },
  };
}

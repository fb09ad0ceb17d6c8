/**
 * A node that is busy with another lifecycle operation. A run killed right after it asked for the
 * upgrade leaves the node installing or rebooting; the resumed run sees the old version still
 * answering and asks again, and Talos refuses ("already in progress"). That refusal is not a
 * failure of the step: wait the operation out, then go on from the version the node comes back
 * on — the target means the earlier request took, anything else means install again.
 */
import { Hk8sError } from '../../errors.js';
import type { UpgradeAction } from '../../plan/types.js';
import { TalosApiError, type TalosClient } from '../../providers/talos/client/index.js';
import type { RunContext } from '../runner.js';
import type { TalosTiming } from './connections.js';
import { installUpgrade } from './upgrade-install.js';
import { sleep } from './upgrade-wait.js';

const BUSY = /in progress|locked/i;

/** Talos's "another lifecycle operation is in progress", however far down the cause chain. */
export function lifecycleBusy(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = e.cause) {
    if (e instanceof TalosApiError) return e.grpcStatus === 'FAILED_PRECONDITION' && BUSY.test(e.message);
  }
  return false;
}

export interface InstallTarget {
  action: UpgradeAction;
  hostname: string;
  ctx: RunContext;
  timing: TalosTiming;
  /** A new channel each poll: a rebooting node drops the old one. */
  dial: () => Promise<TalosClient>;
}

/** Drains once however many attempts the install takes. */
function once(drain: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= drain().catch((error: unknown) => {
      done = undefined;
      throw error;
    });
    return done;
  };
}

async function versionNow(dial: InstallTarget['dial'], timing: TalosTiming): Promise<string | undefined> {
  try {
    const client = await dial();
    try {
      return (await client.version({ timeoutMs: timing.callTimeoutMs, attempts: 1 })).tag || undefined;
    } finally {
      client.close();
    }
  } catch {
    return undefined;
  }
}

/**
 * Installs as installUpgrade does; while Talos says the node is busy, waits (up to the install
 * timeout) and asks again whenever the node answers on a version other than the target.
 * `'taken'` means an earlier request already brought the node to the target.
 */
export async function installWhenFree(
  client: TalosClient,
  target: InstallTarget,
  running: string,
  drain: () => Promise<void>,
): Promise<'lifecycle' | 'legacy' | 'taken'> {
  const { action, hostname, ctx, timing } = target;
  const drainOnce = once(drain);
  const deadline = Date.now() + timing.installTimeoutMs;
  let from = running;
  let told = false;
  for (;;) {
    try {
      return await installUpgrade(client, action, from, hostname, ctx, timing, drainOnce);
    } catch (error) {
      if (!lifecycleBusy(error)) throw error;
      if (Date.now() >= deadline) {
        throw new Hk8sError(
          'provider.unreachable',
          `${hostname} stayed busy with another lifecycle operation`,
          {
            where: action.node,
            hint: 'Talos still runs an earlier upgrade or reboot; check the node (`hk8s status`), then `hk8s resume`.',
            cause: error,
          },
        );
      }
      if (!told) ctx.progress(`${hostname} is busy with an earlier upgrade or reboot; waiting for it to end`);
      told = true;
    }
    // Ask again only once the node answers; while it reboots there is nobody to ask.
    for (;;) {
      await sleep(timing.pollMs, ctx.signal);
      const tag = await versionNow(target.dial, timing);
      if (tag === action.to && action.from !== action.to) return 'taken';
      if (tag !== undefined) {
        from = tag;
        break;
      }
      if (Date.now() >= deadline) break;
    }
  }
}

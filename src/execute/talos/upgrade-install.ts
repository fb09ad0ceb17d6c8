/**
 * Installing a new Talos on one node and seeing it come back on it. As talosctl 1.13 chooses
 * (talos-1.13.md §4.4): nodes on 1.13 or later pull the installer (ImageService.Pull), run it
 * (LifecycleService.Upgrade, a non-zero exit code is a failure) while they are drained, and are
 * rebooted once both are done; older nodes are drained first and get the legacy
 * MachineService.Upgrade, which installs and reboots by itself.
 */
import { Hk8sError } from '../../errors.js';
import type { UpgradeAction } from '../../plan/types.js';
import { TalosApiError, type TalosClient } from '../../providers/talos/client/index.js';
import type { RunContext } from '../runner.js';
import type { TalosTiming } from './connections.js';
import { pollUntil } from './upgrade-wait.js';

const VERSION = /^v?(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?$/;

/** talosctl's test: the new API for tags in `>1.13.0-alpha.2 <2.0.0`. */
export function usesLifecycleApi(running: string): boolean {
  const m = VERSION.exec(running.trim());
  if (!m) return false;
  const [major, minor, patch, pre] = [Number(m[1]), Number(m[2]), Number(m[3]), m[4]];
  if (major !== 1 || minor < 13) return false;
  if (minor > 13 || patch > 0 || pre === undefined) return true;
  // 1.13.0 pre-releases: only after alpha.2.
  const alpha = /^-alpha\.(\d+)/.exec(pre);
  return alpha ? Number(alpha[1]) > 2 : true;
}

/** Talos's own refusal, named after the node it came from. */
function refused(action: UpgradeAction, hostname: string, error: unknown): unknown {
  if (!(error instanceof TalosApiError)) return error;
  return new Hk8sError(
    error.code,
    `Talos on ${hostname} refused the upgrade to ${action.to}: ${error.message}`,
    {
      where: action.node,
      hint:
        error.grpcStatus === 'FAILED_PRECONDITION'
          ? 'Talos checks etcd quorum and that no other upgrade runs; fix what it names, then `hk8s resume`.'
          : (error.hint ?? 'Read the message, then `hk8s resume`.'),
      cause: error,
    },
  );
}

/**
 * Installs `action.to` and reboots into it; `drain` is done before the node goes down (its errors
 * are not Talos's and pass through unchanged).
 */
export async function installUpgrade(
  client: TalosClient,
  action: UpgradeAction,
  running: string,
  hostname: string,
  ctx: RunContext,
  timing: TalosTiming,
  drain: () => Promise<void>,
): Promise<'lifecycle' | 'legacy'> {
  const long = { timeoutMs: timing.installTimeoutMs };
  const talos = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      throw refused(action, hostname, error);
    }
  };
  if (usesLifecycleApi(running) && (await talos(() => pullOrFallBack(client, action.image, long)))) {
    ctx.progress(`installing ${action.to} (LifecycleService) while the node is drained`);
    // The install writes the inactive slot and disturbs nothing: the drain runs alongside it, so the
    // node is empty when the install is done. Both end before anything else happens.
    const [installed, drained] = await Promise.allSettled([
      talos(() => client.lifecycleUpgrade({ imageName: action.image }, long)),
      drain(),
    ]);
    if (installed.status === 'rejected') throw installed.reason;
    if (drained.status === 'rejected') throw drained.reason;
    ctx.progress(`installed ${action.to}; rebooting`);
    await talos(() => client.reboot({}, { timeoutMs: timing.callTimeoutMs }));
    return 'lifecycle';
  }
  await drain();
  ctx.progress(`upgrading to ${action.to} (MachineService.Upgrade)`);
  await talos(() => client.upgrade({ image: action.image }, { timeoutMs: timing.callTimeoutMs }));
  return 'legacy';
}

/** ImageService.Pull; false when the node does not offer it (talosctl falls back to legacy then). */
async function pullOrFallBack(
  client: TalosClient,
  image: string,
  call: { timeoutMs: number },
): Promise<boolean> {
  try {
    await client.imagePull({ imageRef: image }, call);
    return true;
  } catch (error) {
    if (error instanceof TalosApiError && error.grpcStatus === 'UNIMPLEMENTED') return false;
    throw error;
  }
}

class FellBack extends Error {}

/**
 * Waits until the node answers with `action.to` (after having gone down, when it already ran that
 * version: a new schematic). A node that comes back on another version did not take the upgrade:
 * the run fails naming it.
 */
export async function waitForNewVersion(
  dial: () => Promise<TalosClient>,
  action: UpgradeAction,
  before: string,
  hostname: string,
  ctx: RunContext,
  timing: TalosTiming,
): Promise<void> {
  let wentDown = false;
  let cameBackOn: string | undefined;
  const call = { timeoutMs: timing.callTimeoutMs, attempts: 1 };
  await pollUntil(
    async () => {
      let tag: string;
      const client = await dial();
      try {
        tag = (await client.version(call)).tag;
      } catch (error) {
        wentDown = true;
        throw error;
      } finally {
        client.close();
      }
      if (wentDown && tag !== action.to) {
        cameBackOn = tag;
        throw new FellBack();
      }
      if (tag === action.to && (wentDown || before !== action.to)) return undefined;
      return `${hostname} still runs ${tag}; waiting for it to reboot`;
    },
    {
      what: `${hostname} to reboot into Talos ${action.to}`,
      where: action.node,
      timeoutMs: timing.installTimeoutMs,
      pollMs: timing.pollMs,
      signal: ctx.signal,
      hint: 'Check the node (`hk8s status`); `hk8s resume` looks at its version and continues.',
      stopOn: (error) => error instanceof FellBack,
    },
  ).catch((error: unknown) => {
    if (!(error instanceof FellBack)) throw error;
    throw new Hk8sError(
      'provider.api',
      `${hostname} came back on Talos ${cameBackOn ?? 'unknown'}, not ${action.to}: the upgrade did not take`,
      {
        where: action.node,
        hint: "Talos fell back to its previous boot slot; read the node's console or logs, then `hk8s resume` tries again.",
      },
    );
  });
}

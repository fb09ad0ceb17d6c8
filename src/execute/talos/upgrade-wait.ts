/**
 * Polling for the upgrade steps and health gates: ask until a check reports nothing missing, or
 * stop at the deadline with an error that names the check and what it last saw.
 */
import { Hk8sError } from '../../errors.js';
import { InterruptedError } from '../runner.js';

/** Returns what is still missing, or undefined when the check passes. */
export type Check = () => Promise<string | undefined>;

export interface PollOptions {
  /** The check's name, for the error: "etcd members healthy". */
  what: string;
  /** The node or address the error is about. */
  where: string;
  timeoutMs: number;
  pollMs: number;
  signal: AbortSignal;
  hint: string;
  /** Called when what is missing changes. */
  onProblem?: (problem: string) => void;
  /** Errors from the check that end the wait at once instead of counting as "not yet". */
  stopOn?: (error: unknown) => boolean;
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new InterruptedError());
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new InterruptedError());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** A check that throws counts as not passing yet (the node may be rebooting); the error is kept. */
export async function pollUntil(check: Check, options: PollOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let last: string | undefined;
  for (;;) {
    let problem: string | undefined;
    try {
      problem = await check();
    } catch (error) {
      if (error instanceof InterruptedError || options.stopOn?.(error)) throw error;
      problem = describe(error);
    }
    if (problem === undefined) return;
    if (problem !== last) options.onProblem?.(problem);
    last = problem;
    if (Date.now() >= deadline) {
      throw new Hk8sError('provider.unreachable', `timed out waiting for ${options.what}: ${problem}`, {
        where: options.where,
        hint: options.hint,
      });
    }
    await sleep(Math.min(options.pollMs, Math.max(1, deadline - Date.now())), options.signal);
  }
}

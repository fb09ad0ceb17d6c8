/** The end of a run: one summary line, and what to do when it did not succeed. */
import { Hk8sError } from '../../errors.js';
import type { RunResult } from '../../execute/execute.js';
import type { RunJson } from '../json-contract.js';

/** What a person usually does after a cluster changed successfully. */
export const NEXT_AFTER_APPLY =
  '`hk8s status` shows the nodes and addons; `hk8s kubeconfig -o kubeconfig` writes the file kubectl needs.';

/**
 * `next`: the next step after a success (failures and interruptions name theirs in the error's
 * hint). Each failure is listed here once, with its hint: the live view only names it.
 */
export function reportRun(result: RunResult, say: (text: string) => void, next?: string): RunJson {
  const { succeeded, failed, skipped } = result.counts;
  say(`Run ${result.run} ${result.outcome}: ${succeeded} succeeded, ${failed} failed, ${skipped} skipped.`);
  for (const f of result.failures) say(`  ✗ ${f.action.address}: ${f.error.message}`);
  if (result.outcome === 'interrupted') {
    throw new Hk8sError('run.interrupted', `run ${result.run} was interrupted`, {
      hint: 'Run `hk8s resume` to complete it.',
    });
  }
  if (result.outcome === 'failed') {
    throw new Hk8sError('run.actions-failed', `${failed} action(s) failed and ${skipped} were skipped`, {
      hint: 'Fix the cause shown above, then `hk8s resume` retries them (or change the spec and apply again).',
    });
  }
  if (next) say(`Next: ${next}`);
  return { run: result.run, outcome: result.outcome, counts: result.counts };
}

/** The end of a run: one summary line, and what to do when it did not succeed. */
import { Hk8sError } from '../../errors.js';
import type { RunResult } from '../../execute/execute.js';
import type { RunJson } from '../json-contract.js';

export function reportRun(result: RunResult, say: (text: string) => void): RunJson {
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
  return { run: result.run, outcome: result.outcome, counts: result.counts };
}

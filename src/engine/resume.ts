/**
 * `hk8s resume`: reconcile what an unfinished (or failed) run started, close that run, then plan
 * again from what exists and run the rest.
 */
import { briefOf, RunJournal } from '../execute/journal.js';
import type { RunContext } from '../execute/runner.js';
import { knownKind, planAgain } from '../execute/runners.js';
import { hasChanges, type PlanCommand } from '../plan/plan.js';
import { openState } from '../state/log-store.js';
import { pendingRun, unfinishedActions, type RunRecord, type State } from '../state/reducer.js';
import type { Provider } from './provider.js';
import { besideClosedRun, intoOpenRun } from './reconcile-writer.js';
import {
  computePlan,
  lastFailedRun,
  recordUnrecorded,
  runPlan,
  stateSecrets,
  warnStateLog,
  type ApplyHooks,
  type ApplyRequest,
  type ApplyResult,
} from './session.js';
import type { Workspace } from './workspace.js';
import { guardBeforeObserving, recordTarget } from './target-guard.js';

export interface ResumeResult extends ApplyResult {
  /** The run that was resumed; undefined when there was nothing to resume. */
  resumed?: RunRecord;
  reconciled: Array<{ action: string; address: string; outcome: 'adopted' | 'done' | 'retry' }>;
}

/** Whether the log holds a run to resume (pending or failed). Read-only: no lock, no cloud. */
/** Why there is nothing to resume, in words for the user; undefined when there is a run to finish. */
export async function nothingToResume(ws: Workspace): Promise<string | undefined> {
  const { state } = await openState(ws.log);
  if ((pendingRun(state) ?? lastFailedRun(state)) !== undefined) return undefined;
  // A command killed before its run started changed nothing: resuming is not the way on.
  if (Object.keys(state.runs).length === 0)
    return 'Nothing to resume: no run has started in this state yet, so nothing was changed; run `hk8s apply`.';
  return 'Nothing to resume: the last run finished.';
}

/**
 * Reconciles every action of the pending (or failed) run whose outcome is unknown, closes that
 * run, then plans again from what exists and runs the rest. No duplicates: whatever a dead run
 * created is found by its address label and adopted.
 */
export async function resumeCluster(
  ws: Workspace,
  provider: Provider,
  request: Omit<ApplyRequest, 'command' | 'saved'>,
  hooks: ApplyHooks,
): Promise<ResumeResult> {
  const lock = await ws.log.acquire({ command: 'resume' });
  try {
    warnStateLog(hooks.events, lock.warnings);
    let opened = await openState(ws.log);
    warnStateLog(hooks.events, opened.warnings);
    const target = pendingRun(opened.state) ?? lastFailedRun(opened.state);
    if (!target) {
      const { plan } = await computePlan(
        ws,
        opened.state,
        provider,
        { ...request, command: 'apply' },
        hooks.events,
      );
      return { plan, reconciled: [] };
    }
    // Reconciling asks the cloud what the run made: not another endpoint's answer (exit 13).
    await guardBeforeObserving(ws, opened.state, provider, 'apply', request);
    const reconciled = await reconcileRun(ws, provider, opened.state, target);
    opened = await openState(ws.log);
    const command: PlanCommand = target.command === 'destroy' ? 'destroy' : 'apply';
    const replace = unfinishedReplacements(opened.state.runs[target.id] ?? target, request.replace);
    const computed = await computePlan(
      ws,
      opened.state,
      provider,
      { ...request, command, ...(replace.length > 0 ? { replace } : {}) },
      hooks.events,
    );
    const { plan } = computed;
    await recordUnrecorded(ws, computed.unrecorded);
    if (hasChanges(plan) && !(await hooks.confirm(plan)))
      return { plan, declined: true, resumed: target, reconciled };
    const runCommand = command === 'destroy' ? 'destroy' : 'resume';
    const state = await recordTarget(ws, opened.state, computed.target);
    const result = await runPlan(ws, provider, state, computed, { ...request, command }, hooks, runCommand);
    return { plan, result, resumed: target, reconciled };
  } finally {
    await lock.release();
  }
}

/**
 * The replacements the run did not finish (`--replace` or a field that cannot change in place):
 * planned again, so a node already drained or out of etcd is replaced rather than left as it is.
 */
function unfinishedReplacements(run: RunRecord, asked: readonly string[] = []): string[] {
  const left = Object.values(run.actions)
    .filter((a) => a.kind === 'replace' && a.status !== 'succeeded')
    .map((a) => a.address);
  return [...new Set([...asked, ...left])].sort();
}

async function reconcileRun(ws: Workspace, provider: Provider, state: State, target: RunRecord) {
  const journal = new RunJournal(ws.log, target.id);
  const writer = target.finished ? besideClosedRun(ws.log) : intoOpenRun(journal);
  const records = new Map(Object.values(state.resources).map((r) => [r.address, r]));
  const secrets = stateSecrets(state);
  const ctx: RunContext = {
    run: target.id,
    signal: new AbortController().signal,
    idOf: (address) => records.get(address)?.id,
    recordOf: (address) => records.get(address),
    progress: () => undefined,
    secrets: {
      get: (name) => secrets.get(name),
      put: async (name, value) => {
        await writer.secretStored(name, value);
        secrets.set(name, value);
      },
      forget: async (name, reason) => {
        if (!secrets.has(name)) return;
        await writer.secretForgotten(name, reason);
        secrets.delete(name);
      },
    },
  };
  const reconciled: ResumeResult['reconciled'] = [];
  for (const action of unfinishedActions(target)) {
    const brief = briefOf(action);
    const kind = knownKind(action.kind);
    const found = kind
      ? await provider.runner.reconcile(
          { id: action.id, kind, address: action.address, request: action.request },
          ctx,
        )
      : planAgain(action);
    if (found.status === 'done') {
      await writer.done(brief, found.outcome);
      reconciled.push({
        action: action.id,
        address: action.address,
        outcome: found.outcome.resource ? 'adopted' : 'done',
      });
    } else {
      await writer.retry(brief, found.reason);
      reconciled.push({ action: action.id, address: action.address, outcome: 'retry' });
    }
  }
  if (!target.finished) {
    const actions = Object.values(target.actions);
    await journal.runFinished({
      outcome: 'interrupted',
      succeeded:
        actions.filter((a) => a.status === 'succeeded').length +
        reconciled.filter((r) => r.outcome !== 'retry').length,
      failed:
        actions.filter((a) => a.status === 'failed').length +
        reconciled.filter((r) => r.outcome === 'retry').length,
      skipped: actions.filter((a) => a.status === 'skipped').length,
    });
  }
  return reconciled;
}

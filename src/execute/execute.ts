/**
 * Runs an action graph with write-ahead journaling: ActionStarted is durable before the runner's
 * first call, ActionSucceeded/Failed after it. Whatever moment the process dies, the log says
 * which actions may have had an effect, and resume reconciles exactly those.
 */
import { setMaxListeners } from 'node:events';
import { Hk8sError, isHk8sError } from '../errors.js';
import type { Action, ActionGraph } from '../plan/types.js';
import type { LogCreatedData } from '../state/events.js';
import type { EngineEventSink, RunCounts, RunOutcome } from './events.js';
import {
  InterruptedError,
  type ActionOutcome,
  type ActionRunner,
  type ResourceRecord,
  type RunContext,
  type SecretStore,
} from './runner.js';
import { briefOf, RunJournal, type Journal } from './journal.js';
import { walkGraph } from './walker.js';
import { expectedSeconds } from '../plan/expected-duration.js';

export type { Journal } from './journal.js';

export interface ExecuteOptions {
  run: string;
  command: 'apply' | 'resume' | 'destroy';
  planHash: string;
  specHash: string;
  hk8sVersion: string;
  parallelism: number;
  journal: Journal;
  /** The first event of a new log, written before RunStarted. */
  logCreated?: LogCreatedData;
  runner: ActionRunner;
  /** What is known of resources before the run (state records, overlaid with observation), by address. */
  records: Map<string, ResourceRecord>;
  /** Secrets already in the state, by name. */
  secrets?: Map<string, string>;
  signal?: AbortSignal;
  onEvent?: EngineEventSink;
}

export interface ActionFailure {
  action: Action;
  error: { code: string; message: string; retryable: boolean };
}

export interface RunResult {
  run: string;
  outcome: RunOutcome;
  counts: RunCounts;
  failures: ActionFailure[];
}

export function describeError(error: unknown): ActionFailure['error'] {
  if (isHk8sError(error)) {
    const retryable = (error as { retryable?: unknown }).retryable === true;
    // The action's address is shown beside the message already; `where` would repeat it.
    const hint = error.hint ? ` ${error.hint}` : '';
    return { code: error.code, message: `${error.message}.${hint}`.replace(/\.\.(\s|$)/g, '.$1'), retryable };
  }
  if (error instanceof InterruptedError)
    return { code: 'run.interrupted', message: 'interrupted', retryable: true };
  return {
    code: 'internal',
    message: error instanceof Error ? error.message : String(error),
    retryable: false,
  };
}

export async function executeGraph(graph: ActionGraph, options: ExecuteOptions): Promise<RunResult> {
  const { run, runner } = options;
  const emit: EngineEventSink = options.onEvent ?? (() => undefined);
  const records = new Map(options.records);
  // A journal that cannot write makes every later side effect unrecorded: stop launching at once.
  const stop = new AbortController();
  // Every running action listens to it; hundreds at once are expected, not a leak.
  setMaxListeners(0, stop.signal);
  options.signal?.addEventListener('abort', () => stop.abort(), { once: true });
  if (options.signal?.aborted) stop.abort();
  const signal = stop.signal;
  const journal = new RunJournal(options.journal, run, () => stop.abort());
  const counts: RunCounts = { succeeded: 0, failed: 0, skipped: 0 };
  const failures: ActionFailure[] = [];
  let interrupted = 0;

  if (options.logCreated) await journal.logCreated(options.logCreated);
  await journal.runStarted({
    command: options.command,
    planHash: options.planHash,
    specHash: options.specHash,
    parallelism: options.parallelism,
    actions: graph.actions.map((a) => ({
      id: a.id,
      kind: a.kind,
      address: a.address,
      dependsOn: a.dependsOn,
    })),
    hk8sVersion: options.hk8sVersion,
  });
  emit({ type: 'run-started', run, command: options.command, actions: graph.actions });

  const record = (action: Action, outcome: ActionOutcome) => {
    if (outcome.resource) records.set(outcome.resource.address, outcome.resource);
    else if (outcome.resource === null) records.delete(action.address);
  };

  const secrets = new Map(options.secrets);
  const secretStore: SecretStore = {
    get: (name) => secrets.get(name),
    put: async (name, value) => {
      await journal.secretStored(name, value);
      secrets.set(name, value);
    },
    forget: async (name, reason) => {
      if (!secrets.has(name)) return;
      await journal.secretForgotten(name, reason);
      secrets.delete(name);
    },
  };

  const runOne = async (action: Action) => {
    const ctx: RunContext = {
      run,
      signal,
      idOf: (address) => records.get(address)?.id,
      recordOf: (address) => records.get(address),
      progress: (message) => emit({ type: 'action-progress', run, action, message }),
      secrets: secretStore,
    };
    const brief = briefOf(action);
    await journal.actionStarted({ ...brief, request: runner.describe(action) });
    emit({ type: 'action-started', run, action });
    try {
      const outcome = await runner.run(action, ctx);
      record(action, outcome);
      await journal.actionSucceeded(brief, outcome);
      counts.succeeded++;
      emit({ type: 'action-succeeded', run, action, adopted: outcome.adopted === true });
    } catch (error) {
      if (error instanceof InterruptedError || (signal.aborted && isAbortError(error))) {
        interrupted++;
        await journal.actionInterrupted(brief);
        emit({ type: 'action-interrupted', run, action });
      } else {
        const described = describeError(error);
        failures.push({ action, error: described });
        counts.failed++;
        await journal.actionFailed(brief, described);
        emit({ type: 'action-failed', run, action, error: described });
      }
      throw error;
    }
  };

  await walkGraph(graph.actions, {
    parallelism: options.parallelism,
    groups: graph.groups,
    signal,
    weight: expectedSeconds,
    run: runOne,
    onSkip: async (action, reason, dependency) => {
      counts.skipped++;
      if (journal.failure) return;
      await journal.actionSkipped(briefOf(action), reason, dependency).catch(() => undefined);
      emit({ type: 'action-skipped', run, action, reason, ...(dependency ? { dependency } : {}) });
    },
  });

  const failure = journal.failure;
  // A lost lock or a damaged log says what happened itself; only a plain I/O failure needs this.
  if (failure && isHk8sError(failure.cause) && failure.cause.code !== 'state.write') throw failure.cause;
  if (failure) {
    const journalError = failure.cause;
    throw new Hk8sError(
      'state.write',
      'cannot write to the event log; the run stopped before its next action',
      {
        hint: 'Fix the cause (disk full? permissions?) and run `hk8s resume`.',
        cause: journalError,
        detail: journalError instanceof Error ? journalError.message : String(journalError),
      },
    );
  }
  const outcome: RunOutcome =
    signal.aborted || interrupted > 0 ? 'interrupted' : counts.failed > 0 ? 'failed' : 'succeeded';
  await journal.runFinished({ outcome, ...counts });
  emit({ type: 'run-finished', run, outcome, counts });
  return { run, outcome, counts, failures };
}

function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'InterruptedError');
}

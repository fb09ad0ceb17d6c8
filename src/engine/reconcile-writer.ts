/**
 * Where resume writes what it learned about a run's unfinished actions. A run that never finished
 * (a crash) is still open: the outcomes are its own events, and resume closes it. A run that
 * finished `interrupted` (Ctrl-C, SIGTERM) is closed for good — nothing may be appended to it — so
 * what resume finds is recorded beside it, outside any run: the resources it adopted or found gone
 * and the secrets it kept. An action still to do needs no event: the next plan plans it again.
 */
import type { ActionBrief } from '../execute/journal.js';
import { RunJournal } from '../execute/journal.js';
import type { ActionOutcome } from '../execute/runner.js';
import type { EventLogAppender } from '../state/log-store.js';

export interface ReconcileWriter {
  done(brief: ActionBrief, outcome: ActionOutcome): Promise<unknown>;
  retry(brief: ActionBrief, reason: string): Promise<unknown>;
  secretStored(name: string, value: string): Promise<unknown>;
  secretForgotten(name: string, reason: string): Promise<unknown>;
}

export function intoOpenRun(journal: RunJournal): ReconcileWriter {
  return {
    done: (brief, outcome) => journal.actionSucceeded(brief, { ...outcome, adopted: true }),
    retry: (brief, reason) =>
      journal.actionFailed(brief, { code: 'run.interrupted', message: reason, retryable: true }),
    secretStored: (name, value) => journal.secretStored(name, value),
    secretForgotten: (name, reason) => journal.secretForgotten(name, reason),
  };
}

export function besideClosedRun(log: EventLogAppender): ReconcileWriter {
  return {
    done: async (brief, outcome) => {
      if (outcome.resource)
        return log.append([{ type: 'ResourceRecorded', run: null, data: { resource: outcome.resource } }]);
      if (outcome.resource === null)
        return log.append([
          {
            type: 'ResourceForgotten',
            run: null,
            data: { address: brief.address, reason: `resume found ${brief.action} done` },
          },
        ]);
      return undefined;
    },
    retry: async () => undefined,
    secretStored: (name, value) =>
      log.append([{ type: 'SecretStored', run: null, data: { name, value: { $secret: value } } }]),
    secretForgotten: (name, reason) =>
      log.append([{ type: 'SecretForgotten', run: null, data: { name, reason } }]),
  };
}

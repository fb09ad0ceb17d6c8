/**
 * The one writer of run events, for execution and for reconcile-on-resume alike: typed appends,
 * queued so that concurrent actions never race for a sequence number, and stopped for good by the
 * first write that fails (every later side effect would go unrecorded).
 */
import type {
  ActionError,
  ActionStartedData,
  ActionSucceededData,
  LogCreatedData,
  NewEvent,
  RunFinishedData,
  RunStartedData,
  SkipReason,
} from '../state/events.js';
import type { ActionOutcome } from './runner.js';

/** The part of the event log the journal writes to (see src/state). */
export interface Journal {
  append(events: readonly NewEvent[]): Promise<unknown>;
}

/** An action as the log names it. */
export interface ActionBrief {
  action: string;
  kind: string;
  address: string;
}

export function briefOf(action: { id: string; kind: string; address: string }): ActionBrief {
  return { action: action.id, kind: action.kind, address: action.address };
}

export function succeededData(brief: ActionBrief, outcome: ActionOutcome): ActionSucceededData {
  return {
    ...brief,
    ...(outcome.resource === undefined ? {} : { resource: outcome.resource }),
    ...(outcome.adopted ? { adopted: true } : {}),
    ...(outcome.outputs !== undefined ? { outputs: outcome.outputs } : {}),
  };
}

export class RunJournal {
  private queue: Promise<unknown> = Promise.resolve();
  private error: { cause: unknown } | undefined;

  constructor(
    private readonly log: Journal,
    readonly run: string,
    /** Called once, on the first failed write. */
    private readonly onFailure: (error: unknown) => void = () => undefined,
  ) {}

  /** The first write error, if any write failed. */
  get failure(): { cause: unknown } | undefined {
    return this.error;
  }

  private append(events: NewEvent[]): Promise<unknown> {
    const next = this.queue.then(async () => {
      if (this.error) throw this.error.cause;
      try {
        return await this.log.append(events);
      } catch (error) {
        if (!this.error) {
          this.error = { cause: error };
          this.onFailure(error);
        }
        throw error;
      }
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** The first event of a new log (outside any run). */
  logCreated(data: LogCreatedData): Promise<unknown> {
    return this.append([{ type: 'LogCreated', run: null, data }]);
  }

  runStarted(data: RunStartedData): Promise<unknown> {
    return this.append([{ type: 'RunStarted', run: this.run, data }]);
  }

  actionStarted(data: ActionStartedData): Promise<unknown> {
    return this.append([{ type: 'ActionStarted', run: this.run, data }]);
  }

  actionSucceeded(brief: ActionBrief, outcome: ActionOutcome): Promise<unknown> {
    return this.append([{ type: 'ActionSucceeded', run: this.run, data: succeededData(brief, outcome) }]);
  }

  actionFailed(brief: ActionBrief, error: ActionError): Promise<unknown> {
    return this.append([{ type: 'ActionFailed', run: this.run, data: { ...brief, error } }]);
  }

  actionInterrupted(brief: ActionBrief): Promise<unknown> {
    return this.append([{ type: 'ActionInterrupted', run: this.run, data: brief }]);
  }

  actionSkipped(brief: ActionBrief, reason: SkipReason, dependency?: string): Promise<unknown> {
    const data = { ...brief, reason, ...(dependency ? { dependency } : {}) };
    return this.append([{ type: 'ActionSkipped', run: this.run, data }]);
  }

  runFinished(data: RunFinishedData): Promise<unknown> {
    return this.append([{ type: 'RunFinished', run: this.run, data }]);
  }

  /** Durable before it resolves, so a crash right after cannot lose the secret. */
  secretStored(name: string, value: string): Promise<unknown> {
    return this.append([{ type: 'SecretStored', run: this.run, data: { name, value: { $secret: value } } }]);
  }

  secretForgotten(name: string, reason: string): Promise<unknown> {
    return this.append([{ type: 'SecretForgotten', run: this.run, data: { name, reason } }]);
  }
}

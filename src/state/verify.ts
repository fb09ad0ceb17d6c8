/**
 * Full validation of a log's events for `hk8s state verify`: every event against its zod schema,
 * plus the rules that span events (chain, runs, actions). Replay does not do this: it is slow.
 */
import type { z } from 'zod';
import { RUN_EVENT_TYPES, type StoredEvent } from './events.js';
import { EventSchemas } from './event-schema.js';

export interface VerifyProblem {
  seq: number;
  type: string;
  /** Field path inside the event, when the problem is about one field. */
  path?: string;
  message: string;
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  problems: VerifyProblem[];
}

interface RunTracking {
  actions: Set<string>;
  finished: boolean;
}

export function verifyEvents(events: readonly StoredEvent[]): VerifyResult {
  const problems: VerifyProblem[] = [];
  const runs = new Map<string, RunTracking>();
  let prevHash: string | null = null;
  events.forEach((event, index) => {
    const report = (message: string, path?: string): void => {
      problems.push({ seq: event.seq, type: event.type, message, ...(path === undefined ? {} : { path }) });
    };
    const { v, seq, time, type, run, prev, data } = event;
    const schema: z.ZodType = EventSchemas[type];
    const parsed = schema.safeParse({ v, seq, time, type, run, prev, data });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) report(issue.message, issue.path.join('.'));
    }
    if (seq !== index + 1) report(`expected seq ${index + 1}`);
    if (prev !== prevHash) report('prev is not the hash of the previous event');
    prevHash = event.hash;
    checkRunRules(event, index === 0, runs, report);
  });
  return { ok: problems.length === 0, checked: events.length, problems };
}

function checkRunRules(
  event: StoredEvent,
  isFirst: boolean,
  runs: Map<string, RunTracking>,
  report: (message: string, path?: string) => void,
): void {
  if ((event.type === 'LogCreated') !== isFirst) {
    report('LogCreated must be the first event, and only it');
  }
  if (!RUN_EVENT_TYPES.has(event.type)) return;
  if (event.run === null) {
    report(`${event.type} must belong to a run`, 'run');
    return;
  }
  if (event.type === 'RunStarted') {
    if (runs.has(event.run)) report(`run ${event.run} started twice`, 'run');
    const ids = new Set<string>();
    for (const action of event.data.actions) {
      if (ids.has(action.id)) report(`action id ${action.id} is listed twice`, 'data.actions');
      ids.add(action.id);
    }
    for (const action of event.data.actions) {
      for (const dependency of action.dependsOn) {
        if (!ids.has(dependency)) report(`action ${action.id} depends on unknown action ${dependency}`);
      }
    }
    runs.set(event.run, { actions: ids, finished: false });
    return;
  }
  const tracked = runs.get(event.run);
  if (!tracked) {
    report(`${event.type} of run ${event.run}, which never started`, 'run');
    return;
  }
  if (tracked.finished) report(`${event.type} after run ${event.run} finished`, 'run');
  if (event.type === 'RunFinished') {
    tracked.finished = true;
    return;
  }
  if ('action' in event.data && !tracked.actions.has(event.data.action)) {
    report(`action ${event.data.action} is not planned in run ${event.run}`, 'data.action');
  }
}

/**
 * Shows a running graph. On a terminal: listr2 (progress-listr.ts). In CI or piped: one
 * timestamped line per event with a heartbeat (progress-lines.ts). With --json: the events
 * themselves, one JSON object per line.
 */
import type { EngineEvent, EngineEventSink } from '../../execute/events.js';
import type { Action } from '../../plan/types.js';
import { lineView } from './progress-lines.js';
import { listrView } from './progress-listr.js';

export type ProgressMode = 'tty' | 'lines' | 'json';

export interface ProgressView {
  sink: EngineEventSink;
  /** Resolves once the display has drawn the last state. */
  finished(): Promise<void>;
}

export function progressMode(json: boolean): ProgressMode {
  if (json) return 'json';
  return process.stdout.isTTY && !process.env.CI ? 'tty' : 'lines';
}

export function createProgressView(actions: readonly Action[], mode: ProgressMode): ProgressView {
  switch (mode) {
    case 'json':
      return {
        sink: (event) => process.stdout.write(`${JSON.stringify(toJsonEvent(event))}\n`),
        finished: async () => undefined,
      };
    case 'lines':
      return lineView((line) => process.stdout.write(`${line}\n`), actions, { timestamps: true });
    case 'tty':
      return listrView(actions);
  }
}

/** The --json stream: engine events with actions reduced to their identity. */
export function toJsonEvent(event: EngineEvent): Record<string, unknown> {
  if ('action' in event) {
    const { action, ...rest } = event;
    return { ...rest, action: { id: action.id, kind: action.kind, address: action.address } };
  }
  if (event.type === 'run-started') {
    return { ...event, actions: event.actions.map((a) => ({ id: a.id, kind: a.kind, address: a.address })) };
  }
  return { ...event };
}

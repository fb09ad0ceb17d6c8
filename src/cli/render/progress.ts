/**
 * Shows a running graph. On a terminal: listr2, one task per action, resolved by the engine's
 * events (the engine does not know listr2 exists). In CI: one plain line per event. With --json:
 * the events themselves, one JSON object per line.
 */
import { Listr } from 'listr2';
import type { EngineEvent, EngineEventSink } from '../../execute/events.js';
import type { Action } from '../../plan/types.js';
import { style } from './style.js';

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
      return lineView((line) => process.stdout.write(`${line}\n`));
    case 'tty':
      return listrView(actions);
  }
}

const label = (action: Action) => `${action.kind} ${action.address}`;

/** One line per event, for logs: nothing is redrawn, so nothing is lost when piped. */
export function lineView(write: (line: string) => void): ProgressView {
  const started = new Map<string, number>();
  const elapsed = (id: string) => {
    const at = started.get(id);
    return at === undefined ? '' : ` (${((Date.now() - at) / 1000).toFixed(1)}s)`;
  };
  const sink = (event: EngineEvent) => {
    switch (event.type) {
      case 'run-started':
        write(`Run ${event.run}: ${event.actions.length} action(s).`);
        break;
      case 'action-started':
        started.set(event.action.id, Date.now());
        write(`→ ${label(event.action)}`);
        break;
      case 'action-progress':
        write(`  ${label(event.action)}: ${event.message}`);
        break;
      case 'action-succeeded':
        write(`✔ ${label(event.action)}${event.adopted ? ' (adopted)' : ''}${elapsed(event.action.id)}`);
        break;
      case 'action-failed':
        write(`✖ ${label(event.action)}: ${event.error.message}`);
        break;
      case 'action-interrupted':
        write(`! ${label(event.action)}: interrupted`);
        break;
      case 'action-skipped':
        write(
          `↓ ${label(event.action)}: skipped (${event.reason}${event.dependency ? `: ${event.dependency}` : ''})`,
        );
        break;
      case 'run-finished':
      case 'warning':
        break;
    }
  };
  return { sink, finished: async () => undefined };
}

interface Deferred {
  resolve(skipReason?: string): void;
  reject(error: Error): void;
  promise: Promise<string | undefined>;
  task?: { title: string; output: string; skip(message: string): void };
}

function deferred(): Deferred {
  let resolve!: (value?: string) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<string | undefined>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { resolve, reject, promise };
}

function listrView(actions: readonly Action[]): ProgressView {
  const pending = new Map(actions.map((a) => [a.id, deferred()]));
  const listr = new Listr<unknown, 'default', 'simple'>(
    actions.map((action) => ({
      title: style.dim(`${label(action)} (waiting)`),
      task: async (_ctx: unknown, task: NonNullable<Deferred['task']>) => {
        const d = pending.get(action.id) as Deferred;
        d.task = task;
        const skipped = await d.promise;
        task.title = label(action);
        if (skipped !== undefined) task.skip(`${label(action)}: skipped (${skipped})`);
      },
    })),
    {
      concurrent: true,
      exitOnError: false,
      // hk8s handles Ctrl-C itself (src/cli/interrupt.ts): listr2's own handler would exit 127
      // before the run is journaled as interrupted.
      registerSignalListeners: false,
      renderer: 'default',
      rendererOptions: { collapseErrors: false, collapseSkips: false },
    },
  );
  const running = listr.run().catch(() => undefined);
  const sink = (event: EngineEvent) => {
    if (!('action' in event)) return;
    const d = pending.get(event.action.id);
    if (!d) return;
    switch (event.type) {
      case 'action-started':
        if (d.task) d.task.title = label(event.action);
        break;
      case 'action-progress':
        if (d.task) d.task.output = event.message;
        break;
      case 'action-succeeded':
        d.resolve();
        break;
      case 'action-failed':
        d.reject(new Error(`${event.action.address}: ${event.error.message}`));
        break;
      case 'action-interrupted':
        d.resolve('interrupted');
        break;
      case 'action-skipped':
        d.resolve(event.dependency ? `${event.reason}: ${event.dependency}` : event.reason);
        break;
    }
  };
  return {
    sink,
    finished: async () => {
      for (const d of pending.values()) d.resolve('not run');
      await running;
    },
  };
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

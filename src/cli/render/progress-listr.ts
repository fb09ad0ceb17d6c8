/**
 * The live view on a terminal: listr2, one task per action under a header that counts `n/N` and
 * the time since the start, resolved by the engine's events (the engine does not know listr2
 * exists). A failed task says only that it failed: the reason is shown once, in the summary.
 */
import { Listr } from 'listr2';
import type { EngineEvent } from '../../execute/events.js';
import type { Action } from '../../plan/types.js';
import type { ProgressView } from './progress.js';
import { RunTally } from './progress-tally.js';
import { style } from './style.js';

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

const label = (action: Action) => `${action.kind} ${action.address}`;

export function listrView(actions: readonly Action[]): ProgressView {
  const tally = new RunTally(actions);
  const pending = new Map(actions.map((a) => [a.id, deferred()]));
  let header: Deferred['task'];
  const headerTitle = () => `${tally.counter()} actions done · ${tally.total()}`;
  const headerDone = deferred();
  const clockTimer = setInterval(() => {
    if (header) header.title = headerTitle();
  }, 1000).unref();
  const tasks = actions.map((action) => ({
    title: style.dim(`${label(action)} (waiting)`),
    task: async (_ctx: unknown, task: NonNullable<Deferred['task']>) => {
      const d = pending.get(action.id) as Deferred;
      d.task = task;
      const skipped = await d.promise;
      const elapsed = tally.elapsed(action.id);
      task.title = `${label(action)}${elapsed && skipped === undefined ? style.dim(` (${elapsed})`) : ''}`;
      if (skipped !== undefined) task.skip(`${label(action)}: skipped, ${skipped}`);
    },
  }));
  const listr = new Listr<unknown, 'default', 'simple'>(
    [
      {
        title: headerTitle(),
        task: async (_ctx: unknown, task: NonNullable<Deferred['task']>) => {
          header = task;
          await headerDone.promise;
          task.title = headerTitle();
        },
      },
      ...tasks,
    ],
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
    tally.record(event);
    if (header) header.title = headerTitle();
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
        d.reject(
          new Error(`${label(event.action)} failed (${tally.elapsed(event.action.id) ?? '0s'}): see below`),
        );
        break;
      case 'action-interrupted':
        d.resolve('interrupted');
        break;
      case 'action-skipped':
        d.resolve(tally.skipReason(event.reason, event.dependency));
        break;
    }
  };
  return {
    sink,
    finished: async () => {
      for (const d of pending.values()) d.resolve('not run');
      clearInterval(clockTimer);
      headerDone.resolve();
      await running;
    },
  };
}

/**
 * The live view for logs (no terminal, or CI): one line per event, nothing redrawn, so nothing is
 * lost when piped. Each line carries the time and the overall `n/N`; after 30 s without a line a
 * heartbeat says what is still running, so a slow step does not look like a hang. A failure is
 * named here and explained once, in the run's summary.
 */
import type { EngineEvent } from '../../execute/events.js';
import type { Action } from '../../plan/types.js';
import type { ProgressView } from './progress.js';
import { RunTally } from './progress-tally.js';

export interface LineViewOptions {
  now?: () => number;
  /** Prefix lines with the wall-clock time (HH:MM:SS, UTC). */
  timestamps?: boolean;
  /** Silence after which a heartbeat line is written; 0 turns it off. */
  heartbeatMs?: number;
}

const label = (action: Action) => `${action.kind} ${action.address}`;

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

export function lineView(
  write: (line: string) => void,
  actions: readonly Action[] = [],
  options: LineViewOptions = {},
): ProgressView & { tick(): void } {
  const now = options.now ?? Date.now;
  const heartbeatMs = options.heartbeatMs ?? 30_000;
  const tally = new RunTally(actions, now);
  let lastLine = now();
  let timer: NodeJS.Timeout | undefined;
  const out = (text: string, counted = true) => {
    lastLine = now();
    const time = options.timestamps ? `${clock(lastLine)} ` : '';
    write(`${time}${counted ? `[${tally.counter()}] ` : ''}${text}`);
  };
  const took = (action: Action) => {
    const elapsed = tally.elapsed(action.id);
    return elapsed === undefined ? '' : ` (${elapsed})`;
  };
  const tick = () => {
    if (heartbeatMs <= 0 || now() - lastLine < heartbeatMs) return;
    const running = tally.running();
    if (running.length === 0) return;
    const shown = running.slice(0, 3).map((a) => `${label(a)} ${tally.elapsed(a.id) ?? ''}`.trim());
    const more = running.length > 3 ? `, and ${running.length - 3} more` : '';
    out(`… still running: ${shown.join(', ')}${more}; ${tally.total()} elapsed`);
  };
  const stop = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };
  const sink = (event: EngineEvent) => {
    tally.record(event);
    switch (event.type) {
      case 'run-started':
        out(`Run ${event.run}: ${event.actions.length} action(s).`, false);
        if (heartbeatMs > 0 && !options.now) timer = setInterval(tick, Math.min(5000, heartbeatMs)).unref();
        break;
      case 'action-started':
        out(`→ ${label(event.action)}`);
        break;
      case 'action-progress':
        out(`  ${label(event.action)}: ${event.message}`);
        break;
      case 'action-succeeded':
        out(`✔ ${label(event.action)}${event.adopted ? ' (adopted)' : ''}${took(event.action)}`);
        break;
      case 'action-failed':
        out(`✖ ${label(event.action)} failed${took(event.action)}; the reason is in the summary below`);
        break;
      case 'action-interrupted':
        out(`! ${label(event.action)}: interrupted${took(event.action)}`);
        break;
      case 'action-skipped':
        out(`↓ ${label(event.action)}: skipped, ${tally.skipReason(event.reason, event.dependency)}`);
        break;
      case 'run-finished':
        stop();
        out(`done in ${tally.total()}.`);
        break;
      case 'warning':
        break;
    }
  };
  return {
    sink,
    tick,
    finished: async () => stop(),
  };
}

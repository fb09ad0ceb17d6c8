/**
 * What the live views count while a run goes: actions finished of all, time since the start and
 * per action, what is running, and how each action ended — so that a skipped action can be
 * explained by its blocker's address and fate ("server.w.4 failed"), not by an internal id.
 */
import type { EngineEvent } from '../../execute/events.js';
import type { Action } from '../../plan/types.js';

export type Fate = 'succeeded' | 'failed' | 'skipped' | 'interrupted';

export class RunTally {
  private readonly byId = new Map<string, Action>();
  private readonly fates = new Map<string, Fate>();
  private readonly startedAt = new Map<string, number>();
  private readonly begun: number;

  constructor(
    actions: readonly Action[],
    private readonly now: () => number = Date.now,
  ) {
    for (const action of actions) this.byId.set(action.id, action);
    this.begun = now();
  }

  /** Keeps count; call with every event, before rendering it. */
  record(event: EngineEvent): void {
    switch (event.type) {
      case 'run-started':
        for (const action of event.actions) this.byId.set(action.id, action);
        break;
      case 'action-started':
        this.startedAt.set(event.action.id, this.now());
        break;
      case 'action-succeeded':
        this.fates.set(event.action.id, 'succeeded');
        break;
      case 'action-failed':
        this.fates.set(event.action.id, 'failed');
        break;
      case 'action-skipped':
        this.fates.set(event.action.id, 'skipped');
        break;
      case 'action-interrupted':
        this.fates.set(event.action.id, 'interrupted');
        break;
      case 'action-progress':
      case 'run-finished':
      case 'warning':
        break;
    }
  }

  /** `12/35`: actions that ended (any way) of all. */
  counter(): string {
    return `${this.fates.size}/${this.byId.size}`;
  }

  /** Time since the view started, `1m05s` or `42s`. */
  total(): string {
    return duration(this.now() - this.begun);
  }

  /** Time since the action started, `3.2s`, or undefined before it started. */
  elapsed(id: string): string | undefined {
    const at = this.startedAt.get(id);
    return at === undefined ? undefined : seconds(this.now() - at);
  }

  /** Actions started and not ended, oldest first. */
  running(): Action[] {
    return [...this.startedAt.entries()]
      .filter(([id]) => !this.fates.has(id))
      .sort((a, b) => a[1] - b[1])
      .map(([id]) => this.byId.get(id))
      .filter((action): action is Action => action !== undefined);
  }

  /** Why an action was skipped, in words: `server.w.4 failed`, or the reason alone. */
  skipReason(reason: string, dependency: string | undefined): string {
    if (reason === 'interrupted') return 'the run was interrupted';
    if (dependency === undefined) return reason.replace(/-/g, ' ');
    const blocker = this.byId.get(dependency);
    const fate = this.fates.get(dependency) ?? 'failed';
    const name = blocker ? `${blocker.kind} ${blocker.address}` : dependency;
    return `${name} ${fate === 'skipped' ? 'was skipped' : fate}`;
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

export function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

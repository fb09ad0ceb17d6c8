/**
 * How an action reaches the code that performs it: one runner per action kind, chosen by
 * `action.kind`. The table is a mapped type over `ActionKind`, so a kind declared without a runner
 * fails the type-check where the table is built (the composition root).
 */
import { assertNever } from '../errors.js';
import { isActionKind, type Action, type ActionKind, type ActionOfKind } from '../plan/types.js';
import type { ActionOutcome, ActionRunner, PendingAction, Reconciliation, RunContext } from './runner.js';

/** Performs the actions of one kind. */
export interface KindRunner<A extends Action> {
  /** The exact request that will be sent, recorded in ActionStarted before any mutating call. */
  describe(action: A): unknown;
  run(action: A, ctx: RunContext): Promise<ActionOutcome>;
  /** Looks the effect of an interrupted action of this kind up in the real world. */
  reconcile(pending: PendingAction, ctx: RunContext): Promise<Reconciliation>;
}

export type KindRunners = { [K in ActionKind]: KindRunner<ActionOfKind<K>> };

/** An action paired with its runner, so the caller needs no knowledge of kinds. */
interface BoundAction {
  describe(): unknown;
  run(ctx: RunContext): Promise<ActionOutcome>;
}

function bound<A extends Action>(runner: KindRunner<A>, action: A): BoundAction {
  return { describe: () => runner.describe(action), run: (ctx) => runner.run(action, ctx) };
}

function bind(runners: KindRunners, action: Action): BoundAction {
  switch (action.kind) {
    case 'create':
      return bound(runners.create, action);
    case 'update':
      return bound(runners.update, action);
    case 'replace':
      return bound(runners.replace, action);
    case 'delete':
      return bound(runners.delete, action);
    case 'drain':
      return bound(runners.drain, action);
    case 'leave-etcd':
      return bound(runners['leave-etcd'], action);
    case 'apply-config':
      return bound(runners['apply-config'], action);
    case 'bootstrap':
      return bound(runners.bootstrap, action);
    case 'upgrade':
      return bound(runners.upgrade, action);
    case 'wait':
      return bound(runners.wait, action);
    case 'upgrade-kubernetes':
      return bound(runners['upgrade-kubernetes'], action);
    default:
      return assertNever(action, 'action');
  }
}

/** The executor's single runner: dispatches every action to the runner of its kind. */
export class KindDispatcher implements ActionRunner {
  constructor(private readonly runners: KindRunners) {}

  describe(action: Action): unknown {
    return bind(this.runners, action).describe();
  }

  run(action: Action, ctx: RunContext): Promise<ActionOutcome> {
    return bind(this.runners, action).run(ctx);
  }

  reconcile(pending: PendingAction, ctx: RunContext): Promise<Reconciliation> {
    return this.runners[pending.kind].reconcile(pending, ctx);
  }
}

/** What resume does with a kind whose effect cannot be looked up: plan it again from what exists. */
export function planAgain(pending: { kind: string }): Reconciliation {
  return { status: 'not-done', reason: `${pending.kind} is planned again from what exists` };
}

/** The kind of an action as the event log remembers it; undefined for a kind this hk8s does not know. */
export function knownKind(kind: string): ActionKind | undefined {
  return isActionKind(kind) ? kind : undefined;
}

/** Routes each action to the runner of its domain: Talos records to Talos, the rest to Hetzner. */
import type { Action } from '../plan/types.js';
import type { ActionOutcome, ActionRunner, PendingAction, Reconciliation, RunContext } from './runner.js';

export class CompositeRunner implements ActionRunner {
  constructor(
    private readonly infra: ActionRunner,
    private readonly talos: ActionRunner,
  ) {}

  private pick(address: string): ActionRunner {
    return address.startsWith('talos.') ? this.talos : this.infra;
  }

  describe(action: Action): unknown {
    return this.pick(action.address).describe(action);
  }

  run(action: Action, ctx: RunContext): Promise<ActionOutcome> {
    return this.pick(action.address).run(action, ctx);
  }

  reconcile(pending: PendingAction, ctx: RunContext): Promise<Reconciliation> {
    return this.pick(pending.address).reconcile(pending, ctx);
  }
}

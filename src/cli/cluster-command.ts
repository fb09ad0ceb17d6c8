/**
 * Commands that work on a cluster: they find the spec, open its workspace and connect to the
 * cloud (or the sandbox).
 */
import { Command, Flags } from '@oclif/core';
import { connectProvider } from '../engine/connect.js';
import type { Provider } from '../engine/provider.js';
import type { ApplyHooks } from '../engine/session.js';
import { openWorkspace, type Workspace } from '../engine/workspace.js';
import type { Plan } from '../plan/plan.js';
import { BaseCommand } from './base-command.js';
import { confirmOrRefuse } from './confirm.js';
import { renderPlanText } from './render/plan-text.js';
import { createProgressView, progressMode, type ProgressView } from './render/progress.js';

export const parallelismFlag = Flags.integer({
  summary: 'How many actions may run at once.',
  default: 10,
  min: 1,
  max: 100,
});

export const targetFlag = Flags.string({
  summary: 'Limit to this address (and what it needs); repeatable. `server.workers` means the whole pool.',
  multiple: true,
});

export const replaceFlag = Flags.string({
  summary: 'Replace this resource even if nothing changed; repeatable.',
  multiple: true,
});

export abstract class ClusterCommand<T extends typeof Command> extends BaseCommand<T> {
  private openedProvider?: Provider;
  private view?: ProgressView;

  protected async workspace(): Promise<Workspace> {
    return openWorkspace({ cwd: process.cwd(), config: this.flags.config });
  }

  protected async provider(ws: Workspace): Promise<Provider> {
    this.openedProvider ??= await connectProvider(ws, {
      sandbox: this.flags.sandbox,
      onNotice: (text) => this.notice(text),
    });
    return this.openedProvider;
  }

  protected applyHooks(autoApprove: boolean, question: (plan: Plan) => string): ApplyHooks {
    return {
      onWarning: (message) => this.notice(`Warning: ${message}`),
      confirm: async (plan) => {
        if (!this.jsonEnabled()) this.say(renderPlanText(plan));
        return confirmOrRefuse(question(plan), autoApprove || false);
      },
      onRunStart: (plan) => {
        this.view = createProgressView(plan.graph.actions, progressMode(this.jsonEnabled()));
        return this.view.sink;
      },
    };
  }

  /** Waits until the live view has drawn the end of the run. */
  protected async viewFinished(): Promise<void> {
    await this.view?.finished();
  }

  protected override async finally(error: Error | undefined): Promise<unknown> {
    await this.openedProvider?.close?.();
    return super.finally(error);
  }
}

/**
 * Commands that work on a cluster: they find the spec, open its workspace and connect to the
 * cloud (or the sandbox).
 */
import { Command, Flags } from '@oclif/core';
import { Hk8sError } from '../errors.js';
import type { EngineEvent } from '../execute/events.js';
import { connectProvider } from './connect.js';
import type { Provider } from '../engine/provider.js';
import type { ApplyHooks, ApplyResult } from '../engine/session.js';
import { openWorkspace, type Workspace } from '../engine/workspace.js';
import type { Plan } from '../plan/plan.js';
import { BaseCommand } from './base-command.js';
import { confirmOrRefuse } from './confirm.js';
import type { ApplyJson } from './json-contract.js';
import { withInterrupts } from './interrupt.js';
import { reportRun } from './render/run-summary.js';
import { renderPlanText, summaryLine } from './render/plan-text.js';
import { renderWarning } from './render/warnings.js';
import { createProgressView, progressMode, type ProgressView } from './render/progress.js';

export const parallelismFlag = Flags.integer({
  summary:
    'How many actions may run at once (default: as many as the plan can use and the Hetzner request budget can feed, up to 100).',
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

/** One definition for validate, plan, apply and resume: what it allows is listed where it is refused. */
export const forceFlag = Flags.boolean({
  summary: 'Allow changes hk8s refuses by default.',
  description:
    'Today: a Talos downgrade, and ending at an even number of control planes (etcd with 2 or 4 members survives no more failures than 1 or 3). It never allows a skipped Kubernetes minor or an unsupported version.',
  default: false,
});

/** A "no" at the prompt is not a success: scripts see exit 11 (README "Exit codes"). */
export function declinedError(what: string): Hk8sError {
  return new Hk8sError('run.not-confirmed', what, {
    hint: "Run the command again and answer 'yes' to go ahead.",
  });
}

export abstract class ClusterCommand<T extends typeof Command> extends BaseCommand<T> {
  private openedProvider?: Provider;
  private openedWorkspace?: Promise<Workspace>;
  private view?: ProgressView;

  /** Opened once per command: the spec is read and checked once. */
  protected workspace(): Promise<Workspace> {
    this.openedWorkspace ??= this.addonRegistry().then((addons) =>
      openWorkspace({ cwd: process.cwd(), config: this.flags.config, addons }),
    );
    return this.openedWorkspace;
  }

  protected async provider(ws: Workspace): Promise<Provider> {
    this.openedProvider ??= await connectProvider(ws, {
      sandbox: this.flags.sandbox,
      notice: (text) => this.notice(text),
    });
    return this.openedProvider;
  }

  /** The engine's events outside a run: warnings go to stderr, worded by the renderer. */
  protected readonly engineEvents = (event: EngineEvent): void => {
    if (event.type === 'warning') this.notice(renderWarning(event.warning));
    else this.view?.sink(event);
  };

  protected applyHooks(autoApprove: boolean, question: (plan: Plan) => string): ApplyHooks {
    return {
      events: this.engineEvents,
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

  /**
   * What apply, destroy and resume share: open the workspace, connect, run the use case with
   * Ctrl-C handling, and wait for the live view to draw the end of the run.
   */
  protected async changeCluster<R>(
    work: (ws: Workspace, provider: Provider, signal: AbortSignal) => Promise<R>,
  ): Promise<R> {
    const ws = await this.workspace();
    const provider = await this.provider(ws);
    const result = await withInterrupts(
      (text) => this.notice(text),
      (signal) => work(ws, provider, signal),
    );
    await this.view?.finished();
    return result;
  }

  /**
   * After an apply or resume, `report` shows the run; the files the spec names
   * (`cluster.kubeconfigPath`, `talosconfigPath`) are refreshed first. A file that cannot be
   * written fails the command, but only after the run's own outcome is shown.
   */
  protected async withCredentialFiles<R>(report: () => R): Promise<R> {
    const ws = await this.workspace();
    let failure: unknown;
    if (ws.spec.cluster.kubeconfigPath || ws.spec.cluster.talosconfigPath) {
      // Loaded only here: it needs the certificate library, which most runs never load.
      const { refreshCredentialFiles } = await import('./credential-files.js');
      await refreshCredentialFiles(ws, (text) => this.notice(text)).catch((error: unknown) => {
        failure = error;
      });
    }
    const result = report();
    if (failure !== undefined) throw failure;
    return result;
  }

  /** The end of an apply or destroy: the run's summary, or why nothing ran. */
  protected reportApply(outcome: ApplyResult, cancelled: string, next?: string): ApplyJson {
    if (outcome.result) return reportRun(outcome.result, (text) => this.say(text), next);
    if (outcome.declined) throw declinedError(cancelled);
    this.say(summaryLine(outcome.plan.summary));
    return { plan: outcome.plan.inputsHash, changed: false };
  }

  protected override async finally(error: Error | undefined): Promise<unknown> {
    await this.openedProvider?.close?.();
    return super.finally(error);
  }
}

import { Flags } from '@oclif/core';
import { ClusterCommand, declinedError, forceFlag, parallelismFlag } from '../cli/cluster-command.js';
import { acceptEndpointFlag, acceptMissingFlag } from '../cli/target-flags.js';
import { NEXT_AFTER_APPLY, reportRun } from '../cli/render/run-summary.js';
import { nothingToResume, resumeCluster } from '../engine/resume.js';
import type { ResumeJson } from '../cli/json-contract.js';

export default class ResumeCommand extends ClusterCommand<typeof ResumeCommand> {
  static override summary = 'Finish a run that did not complete (crash, kill, Ctrl-C, failure).';
  static override description =
    'Looks up every action the last run started but never recorded as finished, by its address label in the ' +
    'real cloud: what was created is adopted, what was not is retried. Then it plans again from what exists and ' +
    'completes the rest. Safe to run any number of times.';

  static override examples = [
    { description: 'Resume after apply was killed', command: '<%= config.bin %> resume' },
    { description: 'Without asking', command: '<%= config.bin %> resume --auto-approve' },
  ];

  static override flags = {
    'auto-approve': Flags.boolean({ summary: 'Do not ask for confirmation.' }),
    parallelism: parallelismFlag,
    force: forceFlag,
    'accept-endpoint': acceptEndpointFlag,
    'accept-missing': acceptMissingFlag,
  };

  public async run(): Promise<ResumeJson> {
    // Nothing to resume needs no cloud: answer from the log alone, before asking for a token.
    const nothing = await nothingToResume(await this.workspace());
    if (nothing !== undefined) {
      this.say(nothing);
      return { resumed: null };
    }
    const outcome = await this.changeCluster((ws, provider, signal) =>
      resumeCluster(
        ws,
        provider,
        {
          parallelism: this.flags.parallelism,
          force: this.flags.force,
          acceptEndpoint: this.flags['accept-endpoint'],
          acceptMissing: this.flags['accept-missing'],
          signal,
        },
        this.applyHooks(
          this.flags['auto-approve'],
          (plan) => `Complete the run with ${plan.graph.actions.length} actions?`,
        ),
      ),
    );
    if (!outcome.resumed) {
      this.say('Nothing to resume: the last run finished.');
      return { resumed: null };
    }
    for (const r of outcome.reconciled) {
      this.say(
        `  ${r.address}: ${r.outcome === 'retry' ? 'had not taken effect; planned again' : `found, ${r.outcome}`}`,
      );
    }
    if (outcome.declined) {
      throw declinedError('not confirmed: resume cancelled after reconciling, nothing else was changed');
    }
    const { resumed, reconciled, result } = outcome;
    return this.withCredentialFiles((): ResumeJson => {
      if (!result) {
        this.say('Nothing left to do.');
        return { resumed: resumed.id, reconciled };
      }
      return { resumed: resumed.id, reconciled, ...reportRun(result, (t) => this.say(t), NEXT_AFTER_APPLY) };
    });
  }
}

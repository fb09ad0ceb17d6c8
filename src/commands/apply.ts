import { Args, Flags } from '@oclif/core';
import {
  ClusterCommand,
  forceFlag,
  parallelismFlag,
  replaceFlag,
  targetFlag,
} from '../cli/cluster-command.js';
import { NEXT_AFTER_APPLY } from '../cli/render/run-summary.js';
import { acceptEndpointFlag, acceptMissingFlag } from '../cli/target-flags.js';
import { applyCluster } from '../engine/session.js';
import { loadPlanFile } from '../plan/plan-file.js';
import type { ApplyJson } from '../cli/json-contract.js';

export default class ApplyCommand extends ClusterCommand<typeof ApplyCommand> {
  static override summary = 'Make the cloud match the spec.';
  static override description =
    'Plans (or takes a saved plan), asks for confirmation, then runs the actions with bounded concurrency. ' +
    'Every step is appended to the event log before it happens, so if anything stops it, `hk8s resume` ' +
    'finishes the job with no orphans and no duplicates.';

  static override examples = [
    { description: 'Plan, confirm and apply', command: '<%= config.bin %> apply' },
    { description: 'Without asking (CI)', command: '<%= config.bin %> apply --auto-approve' },
    {
      description: 'Apply a saved plan, refused if anything changed since',
      command: '<%= config.bin %> apply cluster.plan',
    },
    {
      description: 'On the local sandbox cloud',
      command: '<%= config.bin %> apply --sandbox --auto-approve',
    },
    {
      description: 'Replace one node: drain, leave etcd, new server, first config, joined',
      command: '<%= config.bin %> apply --replace server.workers.2',
    },
  ];

  static override args = {
    planFile: Args.string({ description: 'A plan saved by `hk8s plan --out FILE`.', required: false }),
  };

  static override flags = {
    'auto-approve': Flags.boolean({ summary: 'Do not ask for confirmation.' }),
    parallelism: parallelismFlag,
    target: targetFlag,
    replace: replaceFlag,
    force: forceFlag,
    'accept-endpoint': acceptEndpointFlag,
    'accept-missing': acceptMissingFlag,
  };

  public async run(): Promise<ApplyJson> {
    const saved = this.args.planFile
      ? { plan: await loadPlanFile(this.args.planFile), path: this.args.planFile }
      : undefined;
    const outcome = await this.changeCluster((ws, provider, signal) =>
      applyCluster(
        ws,
        provider,
        {
          command: saved?.plan.command ?? 'apply',
          targets: saved?.plan.targets ?? this.flags.target,
          replace: saved?.plan.replace ?? this.flags.replace,
          force: saved ? saved.plan.force === true : this.flags.force,
          parallelism: this.flags.parallelism,
          acceptEndpoint: this.flags['accept-endpoint'],
          acceptMissing: this.flags['accept-missing'],
          signal,
          saved,
        },
        this.applyHooks(
          this.flags['auto-approve'] || saved !== undefined,
          (plan) => `Apply ${plan.graph.actions.length} actions to cluster ${plan.cluster}?`,
        ),
      ),
    );
    return this.withCredentialFiles(() =>
      this.reportApply(outcome, 'not confirmed: apply cancelled, nothing was changed', NEXT_AFTER_APPLY),
    );
  }
}

import { ExitCode } from '../errors.js';
import { ClusterCommand, forceFlag, replaceFlag, targetFlag } from '../cli/cluster-command.js';
import { renderPlanText } from '../cli/render/plan-text.js';
import { Flags } from '@oclif/core';
import { acceptEndpointFlag, acceptMissingFlag } from '../cli/target-flags.js';
import { savePlanFile } from '../plan/plan-file.js';
import { hasChanges } from '../plan/plan.js';
import { planCluster } from '../engine/session.js';
import type { PlanJson } from '../cli/json-contract.js';

export default class PlanCommand extends ClusterCommand<typeof PlanCommand> {
  static override summary = 'Show what apply would change, without changing anything.';
  static override description =
    'Reads the spec, the event log and the real cloud (one list request per resource kind), and prints the ' +
    'actions that would make the cloud match the spec: + create, ~ update, -/+ replace, - delete, ⇄ drain, ⊖ leave etcd. ' +
    'Takes no lock and writes nothing.';

  static override examples = [
    { description: 'Show the plan for hk8s.yaml in this directory', command: '<%= config.bin %> plan' },
    { description: 'Try it on the local sandbox cloud', command: '<%= config.bin %> plan --sandbox' },
    {
      description: 'Save the plan to apply exactly it later',
      command: '<%= config.bin %> plan --out cluster.plan',
    },
    {
      description: 'In CI: exit 0 when nothing would change, 2 when something would',
      command: '<%= config.bin %> plan --detailed-exitcode',
    },
    {
      description: 'Only one worker pool, and what it needs',
      command: '<%= config.bin %> plan --target server.workers',
    },
    { description: 'Machine-readable plan', command: '<%= config.bin %> plan --json' },
  ];

  static override flags = {
    out: Flags.string({ char: 'o', summary: 'Save the plan to this file for `hk8s apply FILE`.' }),
    'detailed-exitcode': Flags.boolean({ summary: 'Exit 0 when there are no changes, 2 when there are.' }),
    target: targetFlag,
    replace: replaceFlag,
    force: forceFlag,
    destroy: Flags.boolean({ summary: 'Plan the destruction of everything hk8s owns in this cluster.' }),
    'accept-endpoint': acceptEndpointFlag,
    'accept-missing': acceptMissingFlag,
  };

  public async run(): Promise<PlanJson> {
    const ws = await this.workspace();
    const provider = await this.provider(ws);
    const { plan } = await planCluster(
      ws,
      provider,
      {
        command: this.flags.destroy ? 'destroy' : 'apply',
        targets: this.flags.target,
        replace: this.flags.replace,
        force: this.flags.force,
        acceptEndpoint: this.flags['accept-endpoint'],
        acceptMissing: this.flags['accept-missing'],
      },
      this.engineEvents,
    );
    this.say(renderPlanText(plan));
    if (this.flags.out) {
      await savePlanFile(this.flags.out, plan);
      this.say(
        `Saved the plan to ${this.flags.out}. Apply exactly it with \`hk8s apply ${this.flags.out}\`.`,
      );
    }
    if (this.flags['detailed-exitcode'] && hasChanges(plan)) process.exitCode = ExitCode.CHANGES_PRESENT;
    return plan;
  }
}

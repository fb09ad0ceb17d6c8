import { Args } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import type { PlanJson } from '../cli/json-contract.js';
import { renderPlanText } from '../cli/render/plan-text.js';
import { loadPlanFile } from '../plan/plan-file.js';

export default class ShowCommand extends BaseCommand<typeof ShowCommand> {
  static override summary = 'Show a plan saved with `hk8s plan --out FILE`, without reading the cloud.';
  static override description =
    'Prints the saved plan as `hk8s plan` showed it (or, with --json, as `hk8s plan --json` does), so that it can be reviewed before `hk8s apply FILE`. Reads only the file.';
  static override examples = [
    { description: 'Review a saved plan', command: '<%= config.bin %> show cluster.plan' },
    { description: 'As JSON', command: '<%= config.bin %> show cluster.plan --json' },
  ];

  static override args = {
    planFile: Args.string({ description: 'A plan file written by `hk8s plan --out FILE`.', required: true }),
  };

  public async run(): Promise<PlanJson> {
    const plan = await loadPlanFile(this.args.planFile);
    this.say(renderPlanText(plan));
    return plan;
  }
}

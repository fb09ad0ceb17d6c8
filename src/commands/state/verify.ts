import { ClusterCommand } from '../../cli/cluster-command.js';
import type { StateVerifyJson } from '../../cli/json-contract.js';
import { Hk8sError } from '../../errors.js';
import { verifyState } from '../../engine/state-admin.js';

export default class StateVerify extends ClusterCommand<typeof StateVerify> {
  static override summary =
    'Check the event log in full: hash chain, sequence, and every event against its schema.';
  static override examples = ['<%= config.bin %> state verify'];

  public async run(): Promise<StateVerifyJson> {
    const ws = await this.workspace();
    const { result, location } = await verifyState(ws, this.engineEvents);
    if (!result.ok) {
      for (const p of result.problems)
        this.notice(`${location}: event ${p.seq} (${p.type})${p.path ? ` ${p.path}` : ''}: ${p.message}`);
      const first = result.problems[0];
      throw new Hk8sError('state.corrupt', `${result.problems.length} problem(s) in the event log`, {
        where: `${location}:${first?.seq ?? 0}`,
        hint: 'Restore the log from a backup; hk8s will not write to it until it verifies.',
      });
    }
    this.say(`${location}: ${result.checked} event(s) verified.`);
    return result;
  }
}

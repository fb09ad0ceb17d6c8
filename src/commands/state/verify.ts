import { ClusterCommand } from '../../cli/cluster-command.js';
import { Hk8sError } from '../../errors.js';
import { openState } from '../../state/log-store.js';
import { verifyEvents } from '../../state/verify.js';

export default class StateVerify extends ClusterCommand<typeof StateVerify> {
  static override summary =
    'Check the event log in full: hash chain, sequence, and every event against its schema.';
  static override examples = ['<%= config.bin %> state verify'];

  public async run(): Promise<unknown> {
    const ws = await this.workspace();
    const { events, warnings } = await openState(ws.log);
    for (const w of warnings) this.notice(`Warning: ${w}`);
    const result = verifyEvents(events);
    if (!result.ok) {
      for (const p of result.problems)
        this.notice(`${ws.log.path}: event ${p.seq} (${p.type})${p.path ? ` ${p.path}` : ''}: ${p.message}`);
      const first = result.problems[0];
      throw new Hk8sError('state.corrupt', `${result.problems.length} problem(s) in the event log`, {
        where: `${ws.log.path}:${first?.seq ?? 0}`,
        hint: 'Restore the log from a backup; hk8s will not write to it until it verifies.',
      });
    }
    this.say(`${ws.log.path}: ${result.checked} event(s) verified.`);
    return result;
  }
}

import { Flags } from '@oclif/core';
import { ClusterCommand } from '../../cli/cluster-command.js';
import { redactSecrets } from '../../state/redact.js';
import { openState } from '../../state/log-store.js';

export default class StateEvents extends ClusterCommand<typeof StateEvents> {
  static override summary = 'Print the event log (secret values hidden).';
  static override examples = [
    { description: 'The last 20 events', command: '<%= config.bin %> state events --tail 20' },
    {
      description: 'One run, as JSON lines',
      command: '<%= config.bin %> state events --run 20261126T010203Z-ab12cd --json',
    },
    { description: 'Only failures', command: '<%= config.bin %> state events --type ActionFailed' },
  ];

  static override flags = {
    run: Flags.string({ summary: 'Only events of this run.' }),
    type: Flags.string({ summary: 'Only events of this type; repeatable.', multiple: true }),
    tail: Flags.integer({ summary: 'Only the last N matching events.', min: 1 }),
  };

  public async run(): Promise<unknown> {
    const ws = await this.workspace();
    const { events, warnings } = await openState(ws.log);
    for (const w of warnings) this.notice(`Warning: ${w}`);
    let selected = events.filter(
      (e) =>
        (!this.flags.run || e.run === this.flags.run) &&
        (!this.flags.type || this.flags.type.includes(e.type)),
    );
    if (this.flags.tail) selected = selected.slice(-this.flags.tail);
    const shown = selected.map((e) => redactSecrets(e));
    for (const e of shown) {
      const data = e.data as unknown as Record<string, unknown>;
      const what = typeof data.address === 'string' ? ` ${data.address}` : '';
      this.say(`${String(e.seq).padStart(6)} ${e.time} ${e.type}${what}${e.run ? `  [${e.run}]` : ''}`);
    }
    return shown;
  }
}

import { Flags } from '@oclif/core';
import { ClusterCommand } from '../../cli/cluster-command.js';
import type { StateEventsJson } from '../../cli/json-contract.js';
import { stateEvents } from '../../engine/state-admin.js';
import { EVENT_TYPES } from '../../state/events.js';

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
    // A closed list: a misspelt type is refused naming the allowed ones, not an empty answer.
    type: Flags.string({
      summary: 'Only events of this type; repeatable.',
      multiple: true,
      options: [...EVENT_TYPES],
    }),
    tail: Flags.integer({ summary: 'Only the last N matching events.', min: 1 }),
  };

  public async run(): Promise<StateEventsJson> {
    const ws = await this.workspace();
    const shown = await stateEvents(
      ws,
      { run: this.flags.run, types: this.flags.type, tail: this.flags.tail },
      this.engineEvents,
    );
    for (const e of shown) {
      const what = 'address' in e.data && typeof e.data.address === 'string' ? ` ${e.data.address}` : '';
      this.say(`${String(e.seq).padStart(6)} ${e.time} ${e.type}${what}${e.run ? `  [${e.run}]` : ''}`);
    }
    return shown;
  }
}

import { ClusterCommand } from '../../cli/cluster-command.js';
import { openState } from '../../state/log-store.js';
import { lastRun } from '../../state/reducer.js';

export default class StateList extends ClusterCommand<typeof StateList> {
  static override summary = 'List the resources hk8s has recorded for this cluster.';
  static override examples = ['<%= config.bin %> state list', '<%= config.bin %> state list --json'];

  public async run(): Promise<unknown> {
    const ws = await this.workspace();
    const { state, warnings } = await openState(ws.log);
    for (const w of warnings) this.notice(`Warning: ${w}`);
    const resources = Object.values(state.resources).sort((a, b) => a.address.localeCompare(b.address));
    const width = Math.max(10, ...resources.map((r) => r.address.length));
    for (const r of resources) this.say(`${r.address.padEnd(width)}  ${r.type.padEnd(16)}  ${r.id}`);
    const run = lastRun(state);
    this.say(
      `${resources.length} resource(s); ${state.head.seq} event(s)` +
        (run ? `; last run ${run.id} (${run.command}, ${run.finished?.outcome ?? 'did not finish'})` : ''),
    );
    return {
      cluster: ws.cluster,
      head: state.head,
      resources: resources.map((r) => ({ address: r.address, type: r.type, id: r.id })),
    };
  }
}

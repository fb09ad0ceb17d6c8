import { ClusterCommand } from '../../cli/cluster-command.js';
import type { StateListJson } from '../../cli/json-contract.js';
import { listState } from '../../engine/state-admin.js';

export default class StateList extends ClusterCommand<typeof StateList> {
  static override summary = 'List the resources hk8s has recorded for this cluster.';
  static override examples = ['<%= config.bin %> state list', '<%= config.bin %> state list --json'];

  public async run(): Promise<StateListJson> {
    const ws = await this.workspace();
    const { cluster, head, resources, lastRun: run } = await listState(ws, this.engineEvents);
    const width = Math.max(10, ...resources.map((r) => r.address.length));
    for (const r of resources) this.say(`${r.address.padEnd(width)}  ${r.type.padEnd(16)}  ${r.id}`);
    this.say(
      `${resources.length} resource(s); ${head.seq} event(s)` +
        (run ? `; last run ${run.id} (${run.command}, ${run.finished?.outcome ?? 'did not finish'})` : ''),
    );
    return {
      cluster,
      head,
      resources: resources.map((r) => ({ address: r.address, type: r.type, id: r.id })),
    };
  }
}

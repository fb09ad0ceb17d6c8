import { Args } from '@oclif/core';
import { ClusterCommand } from '../../cli/cluster-command.js';
import type { StateShowJson } from '../../cli/json-contract.js';
import { showResource } from '../../engine/state-admin.js';

export default class StateShow extends ClusterCommand<typeof StateShow> {
  static override summary = 'Show what hk8s knows about one resource.';
  static override examples = [
    '<%= config.bin %> state show server.workers.1',
    '<%= config.bin %> state show network.main --json',
  ];
  static override args = {
    address: Args.string({ description: 'Resource address, e.g. server.workers.1', required: true }),
  };

  public async run(): Promise<StateShowJson> {
    const ws = await this.workspace();
    const shown = await showResource(ws, this.args.address);
    this.say(JSON.stringify(shown, null, 2));
    return shown;
  }
}

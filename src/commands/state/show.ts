import { Args } from '@oclif/core';
import { ClusterCommand } from '../../cli/cluster-command.js';
import { Hk8sError } from '../../errors.js';
import { redactSecrets } from '../../state/redact.js';
import { openState } from '../../state/log-store.js';

export default class StateShow extends ClusterCommand<typeof StateShow> {
  static override summary = 'Show what hk8s knows about one resource.';
  static override examples = [
    '<%= config.bin %> state show server.workers.1',
    '<%= config.bin %> state show network.main --json',
  ];
  static override args = {
    address: Args.string({ description: 'Resource address, e.g. server.workers.1', required: true }),
  };

  public async run(): Promise<unknown> {
    const ws = await this.workspace();
    const { state } = await openState(ws.log);
    const record = state.resources[this.args.address];
    if (!record) {
      throw new Hk8sError('state.not-found', `no resource at ${this.args.address}`, {
        where: this.args.address,
        hint: 'See `hk8s state list` for the recorded addresses.',
      });
    }
    const shown = redactSecrets(record);
    this.say(JSON.stringify(shown, null, 2));
    return shown;
  }
}

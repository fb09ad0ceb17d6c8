import { ClusterCommand } from '../cli/cluster-command.js';
import { talosPort } from '../cli/connect.js';
import { statusOfCluster } from '../engine/status.js';
import { table } from '../cli/render/table.js';
import type { StatusJson } from '../cli/json-contract.js';

export default class StatusCommand extends ClusterCommand<typeof StatusCommand> {
  static override summary =
    'Show the nodes, their roles and Talos versions, the etcd members and health, and the addons.';
  static override description = 'Asks every node over the Talos API (mTLS, read-only role); changes nothing.';
  static override examples = ['<%= config.bin %> status', '<%= config.bin %> status --sandbox --json'];

  public async run(): Promise<StatusJson> {
    const ws = await this.workspace();
    const status = await statusOfCluster(ws, { port: talosPort(this.flags.sandbox), timeoutMs: 5000 });
    const rows = status.nodes.map((n) => [
      n.name,
      n.role,
      n.ip ?? '-',
      n.talosVersion ?? (n.configured ? 'unreachable' : 'not configured'),
      status.etcdMembers.includes(n.name) ? 'member' : '-',
    ]);
    for (const line of table(['NODE', 'ROLE', 'IP', 'TALOS', 'ETCD'], rows)) this.say(line);
    if (status.addons.length > 0) {
      this.say('');
      const addonRows = status.addons.map((a) => [
        a.name,
        a.enabled ? 'on' : 'off',
        a.version ?? '-',
        a.state,
        String(a.objects),
      ]);
      for (const line of table(['ADDON', 'ENABLED', 'VERSION', 'STATE', 'OBJECTS'], addonRows))
        this.say(line);
    }
    this.say(
      `\n${status.etcdMembers.length} etcd member(s); bootstrapped: ${status.bootstrapped ? 'yes' : 'no'}; ` +
        `health: ${status.healthy ? 'healthy' : 'not healthy'}.`,
    );
    if (status.etcdProblem) this.say(status.etcdProblem);
    return status;
  }
}

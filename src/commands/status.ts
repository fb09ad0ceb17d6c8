import { ClusterCommand } from '../cli/cluster-command.js';
import { clusterStatus, type ClusterStatus } from '../engine/status.js';
import { openState } from '../state/log-store.js';

export default class StatusCommand extends ClusterCommand<typeof StatusCommand> {
  static override summary = 'Show the nodes, their roles and Talos versions, the etcd members and health.';
  static override description = 'Asks every node over the Talos API (mTLS, read-only role); changes nothing.';
  static override examples = ['<%= config.bin %> status', '<%= config.bin %> status --sandbox --json'];

  public async run(): Promise<ClusterStatus> {
    const ws = await this.workspace();
    const { state } = await openState(ws.log);
    const port = this.flags.sandbox ? Number(process.env.HK8S_SANDBOX_TALOS_PORT ?? 50000) : 50000;
    const status = await clusterStatus(ws.spec, state, { port, timeoutMs: 5000 });
    const rows = status.nodes.map((n) => [
      n.name,
      n.role,
      n.ip ?? '-',
      n.talosVersion ?? (n.configured ? 'unreachable' : 'not configured'),
      status.etcdMembers.includes(n.name) ? 'member' : '-',
    ]);
    const header = ['NODE', 'ROLE', 'IP', 'TALOS', 'ETCD'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    const line = (cells: string[]) =>
      cells
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd();
    this.say(line(header));
    for (const row of rows) this.say(line(row));
    this.say(
      `\n${status.etcdMembers.length} etcd member(s); bootstrapped: ${status.bootstrapped ? 'yes' : 'no'}; ` +
        `health: ${status.healthy ? 'healthy' : 'not healthy'}.`,
    );
    return status;
  }
}

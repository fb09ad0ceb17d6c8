import { ClusterCommand } from '../cli/cluster-command.js';
import { talosPort } from '../cli/connect.js';
import { statusOfCluster } from '../engine/status.js';
import { table } from '../cli/render/table.js';
import type { StatusJson } from '../cli/json-contract.js';

export default class StatusCommand extends ClusterCommand<typeof StatusCommand> {
  static override summary =
    'Show the nodes, their roles, Talos versions and schematics, the etcd members and health, and the addons.';
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
      schematicCell(n.schematic, status.schematic),
      status.etcdMembers.includes(n.name) ? 'member' : '-',
    ]);
    for (const line of table(['NODE', 'ROLE', 'IP', 'TALOS', 'SCHEMATIC', 'ETCD'], rows)) this.say(line);
    for (const line of driftLines(status)) this.say(line);
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

/** The first 12 hex digits; `≠` in front when it is not the spec's schematic; `-` when unknown. */
function schematicCell(schematic: string | undefined, wanted: string): string {
  if (!schematic) return '-';
  return `${schematic === wanted ? '' : '≠ '}${schematic.slice(0, 12)}…`;
}

/** Which nodes run another schematic, and what the next apply does about it (only what it plans). */
function driftLines(status: StatusJson): string[] {
  const drift = status.schematicDrift;
  if (!drift) return [];
  const lines = [
    `≠ ${drift.nodes.join(', ')} run(s) another schematic than the spec's (${status.schematic.slice(0, 12)}…).`,
  ];
  const left = drift.nodes.filter((n) => !drift.upgradedByApply.includes(n));
  if (drift.upgradedByApply.length > 0) {
    lines.push(
      `  hk8s apply upgrades ${drift.upgradedByApply.join(', ')} to the spec's installer, which brings its schematic.`,
    );
  }
  if (left.length > 0) {
    lines.push(
      `  hk8s apply plans no upgrade of ${left.join(', ')}: hk8s recorded no other installer there ` +
        '(the schematic was changed outside hk8s).',
    );
  }
  return lines;
}

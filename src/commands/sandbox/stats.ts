import { BaseCommand } from '../../cli/base-command.js';
import { sandboxDir } from '../../cli/sandbox-dir.js';
import { sandboxStats } from '../../cli/sandbox.js';
import type { SandboxStatsJson } from '../../cli/json-contract.js';

export default class SandboxStats extends BaseCommand<typeof SandboxStats> {
  static override summary = 'Requests the sandbox has served, by API operation and status.';
  static override examples = ['<%= config.bin %> sandbox stats', '<%= config.bin %> sandbox stats --json'];

  public async run(): Promise<SandboxStatsJson> {
    const stats: SandboxStatsJson = await sandboxStats(sandboxDir(process.cwd()));
    for (const [op, byStatus] of Object.entries(stats.requests).sort()) {
      const parts = Object.entries(byStatus).map(([status, n]) => `${status}×${n}`);
      this.say(`${op.padEnd(40)} ${parts.join('  ')}`);
    }
    this.say(`${stats.total} request(s) in all.`);
    return stats;
  }
}

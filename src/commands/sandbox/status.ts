import { BaseCommand } from '../../cli/base-command.js';
import { sandboxDir } from '../../cli/sandbox-dir.js';
import { sandboxStatus } from '../../cli/sandbox.js';
import type { SandboxStatusJson } from '../../cli/json-contract.js';

export default class SandboxStatus extends BaseCommand<typeof SandboxStatus> {
  static override summary = 'Say whether the sandbox runs, and where.';
  static override examples = ['<%= config.bin %> sandbox status', '<%= config.bin %> sandbox status --json'];

  public async run(): Promise<SandboxStatusJson> {
    const status = await sandboxStatus(sandboxDir(process.cwd()));
    this.say(
      status.running
        ? `Running at ${status.url} (pid ${status.pid}, since ${status.since}).`
        : 'Not running.',
    );
    return status;
  }
}

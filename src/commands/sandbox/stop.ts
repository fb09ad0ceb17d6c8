import { BaseCommand } from '../../cli/base-command.js';
import { sandboxDir } from '../../cli/sandbox-dir.js';
import { stopSandbox } from '../../cli/sandbox.js';
import type { SandboxStopJson } from '../../cli/json-contract.js';

export default class SandboxStop extends BaseCommand<typeof SandboxStop> {
  static override summary = 'Stop the sandbox (its world stays on disk).';
  static override examples = ['<%= config.bin %> sandbox stop'];

  public async run(): Promise<SandboxStopJson> {
    const dir = sandboxDir(process.cwd());
    const stopped = await stopSandbox(dir);
    this.say(stopped ? 'Stopped the sandbox.' : 'The sandbox was not running.');
    return { stopped };
  }
}

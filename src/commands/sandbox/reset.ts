import { BaseCommand } from '../../cli/base-command.js';
import { sandboxDir } from '../../cli/sandbox-dir.js';
import { resetSandbox } from '../../cli/sandbox.js';
import type { SandboxResetJson } from '../../cli/json-contract.js';

export default class SandboxReset extends BaseCommand<typeof SandboxReset> {
  static override summary = "Empty the sandbox's world (every simulated server, network, … is gone).";
  static override examples = ['<%= config.bin %> sandbox reset'];

  public async run(): Promise<SandboxResetJson> {
    await resetSandbox(sandboxDir(process.cwd()));
    this.say(
      'The sandbox world is empty. Local hk8s state in .hk8s/<cluster>/ still remembers what it created.',
    );
    return { reset: true };
  }
}

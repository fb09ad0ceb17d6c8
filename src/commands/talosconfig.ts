import { Flags } from '@oclif/core';
import { ClusterCommand } from '../cli/cluster-command.js';
import { writeSecretFile } from '../cli/secret-file.js';
import { issueTalosconfig } from '../engine/credentials.js';

export default class TalosconfigCommand extends ClusterCommand<typeof TalosconfigCommand> {
  static override summary = 'Write a talosconfig for talosctl, with a fresh os:admin client certificate.';
  static override enableJsonFlag = false;
  static override examples = [
    {
      description: 'Write it to a file (mode 0600)',
      command: '<%= config.bin %> talosconfig -o talosconfig',
    },
    {
      description: 'A certificate valid for one day',
      command: '<%= config.bin %> talosconfig -o talosconfig --hours 24',
    },
  ];

  static override flags = {
    output: Flags.string({
      char: 'o',
      summary: 'Write to this file (mode 0600, also when it exists) instead of stdout.',
    }),
    hours: Flags.integer({ summary: 'How long the client certificate is valid.', default: 8760, min: 1 }),
  };

  public async run(): Promise<void> {
    const ws = await this.workspace();
    const text = await issueTalosconfig(ws, this.flags.hours);
    if (this.flags.output) {
      await writeSecretFile(this.flags.output, text, 'talosconfig');
      this.notice(`Wrote ${this.flags.output}.`);
    } else {
      process.stdout.write(text);
    }
  }
}

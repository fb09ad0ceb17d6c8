import { Flags } from '@oclif/core';
import { ClusterCommand } from '../cli/cluster-command.js';
import { writeSecretFile } from '../cli/secret-file.js';
import { issueTalosconfig } from '../engine/credentials.js';
import type { TalosconfigJson } from '../cli/json-contract.js';
import { certificateInfo, parseTalosconfig } from '../providers/talos/pki/index.js';

export default class TalosconfigCommand extends ClusterCommand<typeof TalosconfigCommand> {
  static override summary = 'Write a talosconfig for talosctl, with a fresh os:admin client certificate.';
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

  public async run(): Promise<TalosconfigJson> {
    const ws = await this.workspace();
    const text = await issueTalosconfig(ws, this.flags.hours);
    const context = parseTalosconfig(text);
    const facts = {
      endpoints: context.endpoints,
      expires: certificateInfo(context.client.crt).notAfter.toISOString(),
    };
    if (this.flags.output) {
      await writeSecretFile(this.flags.output, text, 'talosconfig');
      this.notice(`Wrote ${this.flags.output}.`);
      return { ...facts, path: this.flags.output };
    }
    if (!this.jsonEnabled()) process.stdout.write(text);
    return { ...facts, talosconfig: text };
  }
}

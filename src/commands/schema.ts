import { writeFile } from 'node:fs/promises';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { specJsonSchemaText } from '../spec/json-schema.js';
import { describeProblem, settingsSchemas } from '../addons/registry.js';
import type { SchemaJson } from '../cli/json-contract.js';

export default class SchemaCommand extends BaseCommand<typeof SchemaCommand> {
  static override summary = 'Print the JSON Schema of hk8s.yaml, for editors and CI.';
  static override examples = [
    { description: 'Print it', command: '<%= config.bin %> schema' },
    { description: 'Write it next to the spec', command: '<%= config.bin %> schema -o hk8s.schema.json' },
  ];

  static override flags = {
    output: Flags.string({ char: 'o', summary: 'Write to this file instead of stdout.' }),
  };

  public async run(): Promise<SchemaJson> {
    const registry = await this.addonRegistry();
    for (const problem of registry.problems) this.notice(`Warning: ${describeProblem(problem)}`);
    const text = specJsonSchemaText(settingsSchemas(registry));
    if (this.flags.output) {
      await writeFile(this.flags.output, text);
      this.notice(`Wrote ${this.flags.output}.`);
      return { path: this.flags.output };
    }
    if (!this.jsonEnabled()) process.stdout.write(text);
    return { schema: JSON.parse(text) as Record<string, unknown> };
  }
}

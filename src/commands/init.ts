import { access, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { Hk8sError } from '../errors.js';
import { specJsonSchemaText } from '../spec/json-schema.js';
import { settingsSchemas } from '../addons/registry.js';
import { starterSpecYaml } from '../spec/starter.js';
import type { InitJson } from '../cli/json-contract.js';
import { gitignoreLine, ignoreStateDir } from '../cli/gitignore.js';

const SPEC_FILE = 'hk8s.yaml';
const SCHEMA_FILE = 'hk8s.schema.json';

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** `--dir` must name a directory that exists: init creates files, not paths. */
async function assertDirectory(dir: string): Promise<void> {
  const found = await stat(dir).catch(() => undefined);
  if (found?.isDirectory()) return;
  throw new Hk8sError('usage', found ? `${dir} is not a directory` : `directory ${dir} does not exist`, {
    where: '--dir',
    hint: found
      ? 'Pass the directory to write hk8s.yaml into.'
      : `Create it first (mkdir -p ${dir}), or pass an existing directory.`,
  });
}

async function writeOrExplain(path: string, text: string): Promise<void> {
  try {
    await writeFile(path, text);
  } catch (error) {
    throw new Hk8sError(
      'usage',
      `cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? 'failed'}`,
      {
        where: '--dir',
        hint: 'Pass a directory you can write to.',
      },
    );
  }
}

export default class InitCommand extends BaseCommand<typeof InitCommand> {
  static override summary = 'Write a commented starter hk8s.yaml (and its JSON Schema for editors).';
  static override examples = [
    { description: 'Start a new cluster spec here', command: '<%= config.bin %> init --name demo' },
    { description: 'Overwrite an existing hk8s.yaml', command: '<%= config.bin %> init --name demo --force' },
  ];

  static override flags = {
    name: Flags.string({ summary: 'Cluster name (lowercase letters, digits, dashes).', default: 'demo' }),
    dir: Flags.string({ summary: 'Directory to write into.', default: '.' }),
    force: Flags.boolean({ summary: 'Overwrite an existing hk8s.yaml.' }),
  };

  public async run(): Promise<InitJson> {
    await assertDirectory(this.flags.dir);
    const specPath = join(this.flags.dir, SPEC_FILE);
    const schemaPath = join(this.flags.dir, SCHEMA_FILE);
    if (!this.flags.force && (await exists(specPath))) {
      throw new Hk8sError('usage', `${SPEC_FILE} already exists`, {
        where: specPath,
        hint: 'Edit it, or pass --force to overwrite it.',
      });
    }
    if (!/^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/.test(this.flags.name)) {
      throw new Hk8sError('usage', `invalid cluster name ${JSON.stringify(this.flags.name)}`, {
        where: '--name',
        hint: 'Use 1–32 lowercase letters, digits and dashes, starting and ending with a letter or digit.',
      });
    }
    await writeOrExplain(specPath, starterSpecYaml({ name: this.flags.name, schemaRef: `./${SCHEMA_FILE}` }));
    await writeOrExplain(schemaPath, specJsonSchemaText(settingsSchemas(await this.addonRegistry())));
    this.say(`Wrote ${specPath} and ${schemaPath}.`);
    this.say(gitignoreLine(await ignoreStateDir(this.flags.dir)));
    this.say('Next: `hk8s plan --sandbox` to try it locally, or set HCLOUD_TOKEN and run `hk8s plan`.');
    return { spec: specPath, schema: schemaPath };
  }
}

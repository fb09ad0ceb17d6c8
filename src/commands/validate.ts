import { BaseCommand } from '../cli/base-command.js';
import { loadSpec } from '../spec/load.js';
import { describeProblem, settingsSchemas } from '../addons/registry.js';
import type { ValidateJson } from '../cli/json-contract.js';

export default class ValidateCommand extends BaseCommand<typeof ValidateCommand> {
  static override summary = 'Check a spec: syntax, types, allowed values and cross-field rules.';
  static override description =
    'Every problem is reported with the file, line and field path and what is allowed. Exits 4 when the spec is invalid.';

  static override examples = [
    { description: 'Check hk8s.yaml in this directory', command: '<%= config.bin %> validate' },
    { description: 'Check another file', command: '<%= config.bin %> validate -c staging.yaml' },
  ];

  public async run(): Promise<ValidateJson> {
    const registry = await this.addonRegistry();
    for (const problem of registry.problems) this.notice(`Warning: ${describeProblem(problem)}`);
    const loaded = await loadSpec({
      cwd: process.cwd(),
      file: this.flags.config,
      addons: settingsSchemas(registry),
    });
    const { spec } = loaded;
    const cp = spec.controlPlane.pools.reduce((n, p) => n + p.count, 0);
    const workers = spec.workers.pools.reduce((n, p) => n + p.count, 0);
    this.say(
      `${loaded.path}: valid. Cluster ${spec.cluster.name}: ${cp} control plane(s), ${workers} worker(s).`,
    );
    return { valid: true, path: loaded.path, cluster: spec.cluster.name, specHash: loaded.hash };
  }
}

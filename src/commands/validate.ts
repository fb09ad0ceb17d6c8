import { BaseCommand } from '../cli/base-command.js';
import { forceFlag } from '../cli/cluster-command.js';
import { renderWarning } from '../cli/render/warnings.js';
import { checkWorkspaceVersions } from '../engine/version-check.js';
import { openWorkspace } from '../engine/workspace.js';
import { describeProblem } from '../addons/registry.js';
import { isEnabled } from '../addons/context.js';
import type { ValidateJson } from '../cli/json-contract.js';

export default class ValidateCommand extends BaseCommand<typeof ValidateCommand> {
  static override summary = 'Check a spec: syntax, types, allowed values and cross-field rules.';
  static override description =
    'Every problem is reported with the file, line and field path and what is allowed. When the cluster has an ' +
    'event log beside the spec, version changes are checked against the versions its nodes run (read-only). ' +
    'Exits 4 when the spec is invalid.';

  static override examples = [
    { description: 'Check hk8s.yaml in this directory', command: '<%= config.bin %> validate' },
    { description: 'Check another file', command: '<%= config.bin %> validate -c staging.yaml' },
    {
      description: 'Accept a Talos downgrade',
      command: '<%= config.bin %> validate --force',
    },
  ];

  static override flags = {
    force: forceFlag,
  };

  public async run(): Promise<ValidateJson> {
    const registry = await this.addonRegistry();
    for (const problem of registry.problems) this.notice(`Warning: ${describeProblem(problem)}`);
    const ws = await openWorkspace({ cwd: process.cwd(), config: this.flags.config, addons: registry });
    const { loaded, spec } = ws;
    const warnings = await checkWorkspaceVersions(ws, this.flags.force);
    for (const message of warnings) this.notice(renderWarning({ kind: 'state-log', message }));
    for (const { definition } of registry.addons) {
      if (definition.deprecated && isEnabled(spec, definition.name)) {
        this.notice(
          renderWarning({ kind: 'addon-deprecated', addon: definition.name, message: definition.deprecated }),
        );
      }
    }
    const cp = spec.controlPlane.pools.reduce((n, p) => n + p.count, 0);
    const workers = spec.workers.pools.reduce((n, p) => n + p.count, 0);
    this.say(
      `${loaded.path}: valid. Cluster ${spec.cluster.name}: ${cp} control plane(s), ${workers} worker(s).`,
    );
    return { valid: true, path: loaded.path, cluster: spec.cluster.name, specHash: loaded.hash };
  }
}

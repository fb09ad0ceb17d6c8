import { Flags } from '@oclif/core';
import { ClusterCommand, declinedError } from '../../cli/cluster-command.js';
import { confirmOrRefuse } from '../../cli/confirm.js';
import { connectImages } from '../../cli/connect.js';
import { withInterrupts } from '../../cli/interrupt.js';
import type { ImageBuildJson } from '../../cli/json-contract.js';
import { renderPlanText } from '../../cli/render/plan-text.js';
import { planImageBuild, runImageBuild } from '../../engine/image-build.js';
import { Hk8sError } from '../../errors.js';
import { hasChanges } from '../../plan/plan.js';
import type { HcloudArch } from '../../resources/hcloud/image/model.js';

const BUILD_WORDS = {
  stopping:
    'the build stops where it waits and removes its temporary server and SSH key. ' +
    'Press Ctrl-C again to quit now; the next `hk8s image build` or `hk8s apply` removes them then.',
  quitting: 'The next `hk8s image build` or `hk8s apply` removes the temporary server and key.',
};

export default class ImageBuildCommand extends ClusterCommand<typeof ImageBuildCommand> {
  static override summary = "Build the spec's Talos images that the Hetzner project does not have yet.";
  static override description =
    "One snapshot per architecture the spec's pools use, of the spec's Talos version and schematic: found by " +
    'its labels, or built — a temporary server in rescue mode writes the Image Factory disk image, is ' +
    'snapshotted, then deleted with its throwaway SSH key. `hk8s apply` builds the same way for the servers it ' +
    'creates. Images belong to the project: every cluster of it with the same version and schematic uses them.';

  static override examples = [
    { description: 'Plan, confirm and build', command: '<%= config.bin %> image build' },
    { description: 'Only the Arm image', command: '<%= config.bin %> image build --arch arm --auto-approve' },
  ];

  static override flags = {
    arch: Flags.string({
      summary: "Only this architecture (of the spec's pools); repeatable.",
      options: ['x86', 'arm'],
      multiple: true,
    }),
    'auto-approve': Flags.boolean({ summary: 'Do not ask for confirmation.' }),
  };

  public async run(): Promise<ImageBuildJson> {
    const ws = await this.workspace();
    const { api, builder } = await connectImages(ws, {
      sandbox: this.flags.sandbox,
      notice: (text) => this.notice(text),
    });
    const archs = (this.flags.arch ?? []) as HcloudArch[];
    const { plan, found } = await planImageBuild(ws, api, archs);
    const have = found.map((f) => ({ address: f.address, id: f.id }));
    for (const image of have) this.say(`${image.address}: found snapshot ${image.id}`);
    if (!hasChanges(plan)) {
      this.say('No changes. The project has every Talos image the spec needs.');
      return { built: [], found: have };
    }
    if (!this.jsonEnabled()) this.say(renderPlanText(plan));
    const count = plan.graph.actions.length;
    const go = await confirmOrRefuse(`Build ${count} Talos image(s)?`, this.flags['auto-approve']);
    if (!go) throw declinedError('not confirmed: no image was built');
    const result = await withInterrupts(
      (text) => this.notice(text),
      (signal) =>
        runImageBuild(
          api,
          builder,
          plan,
          {
            progress: (address, message) => this.notice(`${address}: ${message}`),
            built: (record) => this.say(`${record.address}: built snapshot ${record.id}`),
          },
          signal,
        ),
      BUILD_WORDS,
    );
    const [first, ...others] = result.failed;
    if (first) {
      if (others.length === 0) throw first.error;
      const why = (e: unknown) => (e instanceof Error ? e.message : String(e));
      throw new Hk8sError(
        'image.build',
        result.failed.map((f) => `${f.address}: ${why(f.error)}`).join('; '),
        {
          hint: 'Fix the cause, then run `hk8s image build` again (what a failed build made is removed first).',
        },
      );
    }
    return { built: result.built.map((r) => ({ address: r.address, id: r.id })), found: have };
  }
}

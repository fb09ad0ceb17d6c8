import { ClusterCommand } from '../../cli/cluster-command.js';
import { connectImages } from '../../cli/connect.js';
import type { ImageListJson } from '../../cli/json-contract.js';
import { table } from '../../cli/render/table.js';
import { readProjectImages } from '../../engine/project-images.js';
import { SCHEMATIC_LABEL_LENGTH } from '../../resources/hcloud/image/model.js';
import { schematicIdFor } from '../../talos/config/schematic.js';

export default class ImageListCommand extends ClusterCommand<typeof ImageListCommand> {
  static override summary =
    'List the Talos images of the Hetzner project and the servers that boot from them.';
  static override description =
    "Every snapshot with hk8s's image labels (Talos version, schematic, architecture), of any cluster; `*` marks " +
    "the spec's version and schematic. Also names temporary build servers a killed build left behind (the next " +
    'build removes them). Changes nothing.';

  static override examples = [
    '<%= config.bin %> image list',
    '<%= config.bin %> image list --sandbox --json',
  ];

  public async run(): Promise<ImageListJson> {
    const ws = await this.workspace();
    const { api } = await connectImages(ws, { sandbox: this.flags.sandbox, notice: (t) => this.notice(t) });
    const listed = await readProjectImages(api);
    const mine = schematicIdFor(ws.spec).slice(0, SCHEMATIC_LABEL_LENGTH);
    const rows = listed.images.map((i) => [
      String(i.id),
      `${i.version}${i.version === ws.spec.talos.version && i.schematic === mine ? ' *' : ''}`,
      i.arch,
      `${i.schematic.slice(0, 12)}…`,
      i.status,
      i.created.slice(0, 10),
      i.usedBy.length === 0
        ? '-'
        : `${i.usedBy.length} (${i.usedBy.slice(0, 3).join(', ')}${i.usedBy.length > 3 ? ', …' : ''})`,
    ]);
    if (rows.length === 0)
      this.say('No Talos images in this project yet: `hk8s image build` or `hk8s apply` builds them.');
    else
      for (const line of table(['ID', 'TALOS', 'ARCH', 'SCHEMATIC', 'STATUS', 'CREATED', 'USED BY'], rows))
        this.say(line);
    if (listed.leftoverBuilders.length > 0) {
      this.say(
        `\nLeft by a build that did not finish: ${listed.leftoverBuilders.join(', ')} (the next build of that image removes them).`,
      );
    }
    return listed;
  }
}

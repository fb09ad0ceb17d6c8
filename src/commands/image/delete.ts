import { Args, Flags } from '@oclif/core';
import { ClusterCommand, declinedError } from '../../cli/cluster-command.js';
import { confirmOrRefuse } from '../../cli/confirm.js';
import { connectImages } from '../../cli/connect.js';
import type { ImageDeleteJson } from '../../cli/json-contract.js';
import { deleteUnusedImages, readProjectImages, selectImages } from '../../engine/project-images.js';
import { Hk8sError } from '../../errors.js';
import type { HcloudArch } from '../../resources/hcloud/image/model.js';

export default class ImageDeleteCommand extends ClusterCommand<typeof ImageDeleteCommand> {
  static override summary = 'Delete Talos images of the Hetzner project that no server boots from.';
  static override description =
    'Selects snapshots by id, or by Talos version, schematic, architecture or --unused (all given must match). ' +
    'An image a server of any cluster still boots from is kept and named; the rest are deleted after ' +
    'confirmation. A cluster that needs a deleted image again builds it on its next apply.';

  static override examples = [
    { description: 'By id', command: '<%= config.bin %> image delete 123456' },
    { description: 'Every image nothing uses', command: '<%= config.bin %> image delete --unused' },
    {
      description: 'An old version, without asking',
      command: '<%= config.bin %> image delete --talos-version v1.12.11 --auto-approve',
    },
  ];

  static override strict = false;
  static override args = { id: Args.string({ description: 'Image ids (as `hk8s image list` shows).' }) };

  static override flags = {
    'talos-version': Flags.string({ summary: 'Images of this Talos version.' }),
    schematic: Flags.string({ summary: 'Images of this schematic id (its first 32 digits suffice).' }),
    arch: Flags.string({ summary: 'Images of this architecture.', options: ['x86', 'arm'] }),
    unused: Flags.boolean({ summary: 'Images no server boots from.' }),
    'auto-approve': Flags.boolean({ summary: 'Do not ask for confirmation.' }),
  };

  public async run(): Promise<ImageDeleteJson> {
    const ids = this.positional.map((raw) => {
      const id = Number(raw);
      if (!Number.isInteger(id) || id <= 0)
        throw new Hk8sError('image.select', `'${raw}' is not an image id`, {
          hint: 'Give the ids `hk8s image list` shows, or select with --talos-version, --schematic, --arch, --unused.',
        });
      return id;
    });
    const filter = {
      ids,
      ...(this.flags['talos-version'] ? { version: this.flags['talos-version'] } : {}),
      ...(this.flags.schematic ? { schematic: this.flags.schematic } : {}),
      ...(this.flags.arch ? { arch: this.flags.arch as HcloudArch } : {}),
      unused: this.flags.unused,
    };
    const ws = await this.workspace();
    const { api } = await connectImages(ws, { sandbox: this.flags.sandbox, notice: (t) => this.notice(t) });
    const listed = await readProjectImages(api);
    const chosen = selectImages(listed.images, filter);
    const missing = ids.filter((id) => !listed.images.some((i) => i.id === id));
    if (missing.length > 0)
      throw new Hk8sError('image.select', `no Talos image with id ${missing.join(', ')} in this project`, {
        hint: '`hk8s image list` shows the ids there are.',
      });
    if (chosen.length === 0) {
      this.say('No Talos image matches: nothing to delete.');
      return { deleted: [], kept: [] };
    }
    const kept = chosen.filter((i) => i.usedBy.length > 0);
    const doomed = chosen.filter((i) => i.usedBy.length === 0);
    for (const i of kept)
      this.say(`  keep    image ${i.id} (${i.version} ${i.arch}): used by ${i.usedBy.join(', ')}`);
    for (const i of doomed)
      this.say(`  - delete image ${i.id} (${i.version} ${i.arch}, schematic ${i.schematic.slice(0, 12)}…)`);
    const result = { kept: kept.map((i) => ({ id: i.id, usedBy: i.usedBy })), deleted: [] as number[] };
    if (doomed.length === 0) return result;
    const go = await confirmOrRefuse(`Delete ${doomed.length} Talos image(s)?`, this.flags['auto-approve']);
    if (!go) throw declinedError('not confirmed: no image was deleted');
    result.deleted = await deleteUnusedImages(
      api,
      doomed.map((i) => i.id),
    );
    this.say(`Deleted ${result.deleted.length} image(s).`);
    return result;
  }
}

import { Flags } from '@oclif/core';
import { ClusterCommand } from '../../cli/cluster-command.js';
import type { StateUnlockJson } from '../../cli/json-contract.js';
import { unlockState } from '../../engine/state-admin.js';

export default class StateUnlock extends ClusterCommand<typeof StateUnlock> {
  static override summary = 'Break the state lock left by a run that can no longer release it.';
  static override description =
    'A lock whose holder is provably dead (same host, process gone) is taken over automatically; use this for a ' +
    'holder on another machine, or one you know is hung. Breaking the lock of a live run risks two writers.';

  static override examples = ['<%= config.bin %> state unlock', '<%= config.bin %> state unlock --force'];
  static override flags = {
    force: Flags.boolean({ summary: 'Break it even if its holder still runs on this host.' }),
  };

  public async run(): Promise<StateUnlockJson> {
    const ws = await this.workspace();
    const info = await unlockState(ws, this.flags.force);
    if (!info) {
      this.say('The state is not locked.');
      return { unlocked: false };
    }
    this.say(
      `Broke the lock held by ${info.holder} (pid ${info.pid}, ${info.command}, since ${info.startedAt}).`,
    );
    return { unlocked: true, holder: info };
  }
}

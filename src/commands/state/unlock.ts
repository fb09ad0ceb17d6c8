import { Flags } from '@oclif/core';
import { hostname } from 'node:os';
import { ClusterCommand } from '../../cli/cluster-command.js';
import { Hk8sError } from '../../errors.js';
import { isPidAlive } from '../../state/lock.js';

export default class StateUnlock extends ClusterCommand<typeof StateUnlock> {
  static override summary = 'Break the state lock left by a run that can no longer release it.';
  static override description =
    'A lock whose holder is provably dead (same host, process gone) is taken over automatically; use this for a ' +
    'holder on another machine, or one you know is hung. Breaking the lock of a live run risks two writers.';

  static override examples = ['<%= config.bin %> state unlock', '<%= config.bin %> state unlock --force'];
  static override flags = {
    force: Flags.boolean({ summary: 'Break it even if its holder still runs on this host.' }),
  };

  public async run(): Promise<unknown> {
    const ws = await this.workspace();
    const info = await ws.log.inspect();
    if (!info) {
      this.say('The state is not locked.');
      return { unlocked: false };
    }
    if (info.host === hostname() && isPidAlive(info.pid) && !this.flags.force) {
      throw new Hk8sError(
        'state.lock-held',
        `the lock holder ${info.holder} (pid ${info.pid}, ${info.command}) is still running`,
        {
          hint: 'Wait for it, stop it, or pass --force if you are sure it is hung.',
        },
      );
    }
    await ws.log.breakLock();
    this.say(
      `Broke the lock held by ${info.holder} (pid ${info.pid}, ${info.command}, since ${info.startedAt}).`,
    );
    return { unlocked: true, holder: info };
  }
}

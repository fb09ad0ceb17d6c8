/**
 * Writes a file that holds credentials (a kubeconfig, a talosconfig) so that it ends mode 0600
 * whatever was there before: `writeFile(path, { mode })` keeps an existing file's mode, so a
 * kubeconfig written over a 0644 file would stay readable by everyone. The text goes to a new
 * 0600 file next to the target, which then replaces it in one rename.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Hk8sError } from '../errors.js';

const REASONS: Record<string, string> = {
  ENOENT: 'its directory does not exist',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
  ENOSPC: 'the disk is full',
};

function reasonOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return (code !== undefined && REASONS[code]) || (error as Error).message;
}

export async function writeSecretFile(path: string, text: string, what: string): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(temporary, 'wx', 0o600);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw new Hk8sError('usage', `cannot write the ${what}: ${reasonOf(error)}`, {
      where: path,
      hint: 'choose a path in an existing directory you can write to',
      cause: error,
    });
  }
}

/**
 * `head.json`: the seq and hash of the last line as the writer saw it after its append was
 * durable. The hash chain proves every line but the last (each line's `prev` is the hash of the
 * one before); this record proves the last one too, and that no whole line was cut off the end.
 * It lives beside the log so that the line format stays as it is.
 *
 * Written after the log's fsync, by temp file and rename, and not fsynced itself: after a crash it
 * can only lag behind the log, never run ahead. A reader reads it before the log for the same
 * reason. A missing or unreadable record proves nothing and is not an error (old logs have none).
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogHead } from './log-format.js';

export const HEAD_FILE = 'head.json';

export interface RecordedHead {
  seq: number;
  hash: string;
}

export async function readHead(dir: string): Promise<RecordedHead | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, HEAD_FILE), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
  try {
    const value = JSON.parse(text) as Partial<RecordedHead> | null;
    if (
      Number.isSafeInteger(value?.seq) &&
      (value?.seq ?? 0) >= 1 &&
      typeof value?.hash === 'string' &&
      /^[0-9a-f]{64}$/.test(value.hash)
    ) {
      return { seq: value.seq!, hash: value.hash };
    }
  } catch {
    // empty after a crash before the rename's data reached the disk: proves nothing
  }
  return undefined;
}

/** Best effort: the events are durable already, and a lagging record is allowed. */
export async function writeHead(dir: string, head: LogHead): Promise<void> {
  if (head.hash === null) return;
  const temp = join(dir, `${HEAD_FILE}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temp, `${JSON.stringify({ seq: head.seq, hash: head.hash })}\n`, {
      mode: 0o600,
      flag: 'wx',
    });
    await rename(temp, join(dir, HEAD_FILE));
  } catch {
    await unlink(temp).catch(() => undefined);
  }
}

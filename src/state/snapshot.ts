/**
 * Snapshots: an optional cache of the replayed state at some seq. Used only when the log line at
 * that seq still has the recorded hash and the reducer version matches; otherwise ignored.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoredEvent } from './events.js';
import { REDUCER_VERSION, type State } from './reducer.js';

export const SNAPSHOT_FILE = 'snapshot.json';

export interface Snapshot {
  reducer: number;
  seq: number;
  hash: string | null;
  state: State;
}

/** Writes `<dir>/snapshot.json` atomically (temp file + rename), mode 0600: it holds secrets. */
export async function writeSnapshot(dir: string, state: State): Promise<void> {
  const snapshot: Snapshot = { reducer: REDUCER_VERSION, seq: state.head.seq, hash: state.head.hash, state };
  const temp = join(dir, `${SNAPSHOT_FILE}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const file = await open(temp, 'wx', 0o600);
  try {
    await file.writeFile(JSON.stringify(snapshot));
    await file.sync();
  } catch (error) {
    await file.close();
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await file.close();
  await rename(temp, join(dir, SNAPSHOT_FILE));
}

/** The snapshot if there is a readable one of this reducer version; never throws for bad content. */
export async function readSnapshot(dir: string): Promise<Snapshot | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, SNAPSHOT_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const value = JSON.parse(text) as Partial<Snapshot> | null;
    if (
      value?.reducer === REDUCER_VERSION &&
      typeof value.seq === 'number' &&
      value.state?.format === 1 &&
      value.state.head?.seq === value.seq &&
      value.state.head.hash === value.hash
    ) {
      return value as Snapshot;
    }
  } catch {
    // a damaged cache is simply not used
  }
  return undefined;
}

/** Whether `snapshot` describes a prefix of `events` (the line at its seq still has its hash). */
export function snapshotMatches(snapshot: Snapshot, events: readonly StoredEvent[]): boolean {
  if (snapshot.seq === 0) return false;
  return events[snapshot.seq - 1]?.hash === snapshot.hash;
}

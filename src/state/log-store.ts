/**
 * The event log store. The interfaces are narrow so that another backend (PostgreSQL: one row
 * per event, unique seq, lease lock) can implement them and pass the same tests; `FileEventLog`
 * is the local one: `<root>/.hk8s/<cluster>/events.jsonl` plus `lock`.
 */
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Hk8sError, isHk8sError } from '../errors.js';
import type { NewEvent, StoredEvent } from './events.js';
import {
  ensureDir,
  fsyncDir,
  identityIfExists,
  lastByte,
  NO_FILE,
  openForAppend,
  readFailed,
  readWithIdentity,
  stateDirFailed,
  writeAll,
  writeFailed,
} from './log-io.js';
import { FileLock, type LockHandle, type LockInfo } from './lock.js';
import { readHead, writeHead } from './head-file.js';
import { checkRecordedHead, decodeLog, encodeEvents, type LogHead } from './log-format.js';
import { replay, type State } from './reducer.js';
import { readSnapshot, snapshotMatches, type Snapshot } from './snapshot.js';
import { afterDurableAppend } from './test-kill.js';

export type { LockHandle, LockInfo } from './lock.js';

export interface ReadResult {
  events: StoredEvent[];
  warnings: string[];
  tornTail: boolean;
}

export interface EventLogReader {
  /** Where the log lives, for messages (a file path, a database table). */
  readonly location: string;
  /** All events, verified (chain, seq, format). Throws `state.corrupt` / `state.format`. */
  read(): Promise<ReadResult>;
  /** A replay checkpoint, if this backend keeps one; used only while it matches the events. */
  readSnapshot?(): Promise<Snapshot | undefined>;
}

export interface EventLogAppender {
  /**
   * Appends the events after the current head; resolves only once they are durable. Requires
   * holding the lock (a plain Error otherwise: that is a bug). A batch is not atomic: a crash can
   * keep a prefix of it, never a part of an event.
   */
  append(events: readonly NewEvent[]): Promise<StoredEvent[]>;
}

export interface EventLogLock {
  acquire(info: { command: string; run?: string }): Promise<LogLockHandle>;
  inspect(): Promise<LockInfo | undefined>;
  breakLock(): Promise<LockInfo | undefined>;
}

export type EventLog = EventLogReader & EventLogAppender & EventLogLock;

export interface LogLockHandle extends LockHandle {
  /** What taking the lock repaired, e.g. a torn last line cut off. */
  warnings: string[];
}

export const LOG_FILE = 'events.jsonl';
export const LOCK_FILE = 'lock';
const STATE_ROOT = '.hk8s';

export interface FileEventLogOptions {
  /** The clock for event times and lock info (tests and sample generation fix it). */
  now?: () => Date;
}

/** What this instance last verified of the file, and the file's identity at that time. */
interface KnownFile {
  /** File size, torn tail included. */
  size: number;
  mtimeMs: number;
  ino: number;
  /** Bytes up to the last complete line. */
  goodLength: number;
  head: LogHead;
  /** The last event lacks its `\n`: the next append writes it first. */
  missingNewline: boolean;
}

export class FileEventLog implements EventLog {
  readonly path: string;
  private readonly lock: FileLock;
  private readonly now: () => Date;
  private held: LockHandle | undefined;
  private known: KnownFile | undefined;
  private corruption: Hk8sError | undefined;

  /** `dir` is `<root>/.hk8s/<cluster>`; nothing is created until a lock is taken. */
  constructor(
    readonly dir: string,
    options: FileEventLogOptions = {},
  ) {
    this.path = join(dir, LOG_FILE);
    this.now = options.now ?? (() => new Date());
    this.lock = new FileLock(join(dir, LOCK_FILE), this.now);
  }

  get location(): string {
    return this.path;
  }

  async read(): Promise<ReadResult> {
    const { events, warnings, tornTail } = await this.load();
    return { events, warnings, tornTail };
  }

  readSnapshot(): Promise<Snapshot | undefined> {
    return readSnapshot(this.dir);
  }

  /** Appends one batch at a time, in call order: concurrent callers must not race for a seq. */
  append(events: readonly NewEvent[]): Promise<StoredEvent[]> {
    const next = this.appending.then(() => this.appendNow(events));
    this.appending = next.catch(() => undefined);
    return next;
  }

  private appending: Promise<unknown> = Promise.resolve();

  private async appendNow(events: readonly NewEvent[]): Promise<StoredEvent[]> {
    if (this.corruption) throw this.corruption;
    if (!this.held) throw new Error(`append to ${this.path} without holding its lock: call acquire() first`);
    if (!(await this.held.isHeld())) throw this.lockLost();
    if (events.length === 0) return [];
    const known = await this.verifiedHead();
    // Encoding throws on a bug in the events: before the file is touched.
    const { text, stored, head } = encodeEvents(known.head, events, this.now);
    const bytes = Buffer.from(known.missingNewline ? `\n${text}` : text, 'utf8');
    const { file, created } = await openForAppend(this.path).catch((error: unknown) => {
      throw writeFailed(this.path, error);
    });
    try {
      try {
        if (known.size !== known.goodLength) await file.truncate(known.goodLength);
        await writeAll(file, bytes);
        await file.sync();
      } catch (error) {
        // Leave no half-written line behind if we can; the next append re-verifies anyway.
        this.known = undefined;
        await file.truncate(known.goodLength).catch(() => undefined);
        throw writeFailed(this.path, error);
      }
      const { size, mtimeMs, ino } = await file.stat();
      this.known = { size, mtimeMs, ino, goodLength: size, head, missingNewline: false };
    } finally {
      await file.close();
    }
    if (created) await fsyncDir(this.dir);
    await writeHead(this.dir, head);
    afterDurableAppend(stored.length);
    return stored;
  }

  /**
   * Takes the writer lock (creating the directory, 0700). A torn last line left by an
   * interrupted write is cut off now, after verifying everything before it.
   */
  async acquire(info: { command: string; run?: string }): Promise<LogLockHandle> {
    const handle = await ensureDir(this.dir)
      .then(() => this.lock.acquire(info))
      .catch((error: unknown) => {
        throw isHk8sError(error) ? error : stateDirFailed(this.dir, error);
      });
    let warnings: string[];
    try {
      warnings = await this.cutTornTail();
    } catch (error) {
      await handle.release();
      throw error;
    }
    this.held = handle;
    return {
      info: handle.info,
      warnings,
      isHeld: () => handle.isHeld(),
      release: async () => {
        await handle.release();
        if (this.held === handle) this.held = undefined;
      },
    };
  }

  inspect(): Promise<LockInfo | undefined> {
    return this.lock.inspect();
  }

  breakLock(): Promise<LockInfo | undefined> {
    return this.lock.breakLock();
  }

  /** The verified head, re-reading the whole file if it is not exactly the one last verified. */
  private async verifiedHead(): Promise<KnownFile> {
    const current = (await identityIfExists(this.path)) ?? NO_FILE;
    const known = this.known;
    if (
      known &&
      known.size === current.size &&
      known.mtimeMs === current.mtimeMs &&
      known.ino === current.ino
    ) {
      return known;
    }
    return this.load();
  }

  /** Reads and verifies the whole file; remembers the head, or the corruption. */
  private async load(): Promise<KnownFile & ReadResult> {
    // The head record first: it is written after the log, so read before it, it is never ahead.
    const { recorded, bytes, identity } = await Promise.resolve()
      .then(async () => {
        const recorded = await readHead(this.dir);
        return { recorded, ...(await readWithIdentity(this.path)) };
      })
      .catch((error: unknown) => {
        throw readFailed(this.path, error);
      });
    try {
      const decoded = decodeLog(bytes, this.path);
      checkRecordedHead(decoded, recorded, this.path);
      this.known = {
        ...identity,
        goodLength: decoded.goodLength,
        head: decoded.head,
        missingNewline: decoded.missingNewline,
      };
      this.corruption = undefined;
      return { ...this.known, ...decoded };
    } catch (error) {
      if (isHk8sError(error)) this.corruption = error;
      throw error;
    }
  }

  /** Repairs what an interrupted append left at the end: a torn line, or a lost last newline. */
  private async cutTornTail(): Promise<string[]> {
    const size = (await identityIfExists(this.path))?.size ?? 0;
    if (size === 0 || (await lastByte(this.path, size)) === 0x0a) return [];
    const known = await this.load();
    const file = await open(this.path, 'r+').catch((error: unknown) => {
      throw writeFailed(this.path, error);
    });
    let warning: string;
    try {
      if (known.missingNewline) {
        await writeAll(file, Buffer.from('\n'), size);
        warning = `${this.path}: added the newline missing after the last event (seq ${known.head.seq})`;
      } else {
        await file.truncate(known.goodLength);
        warning =
          `${this.path}: removed the last line (${size - known.goodLength} bytes at offset ${known.goodLength}), ` +
          'cut short by an interrupted write';
      }
      await file.sync();
      const after = await file.stat();
      this.known = {
        size: after.size,
        mtimeMs: after.mtimeMs,
        ino: after.ino,
        goodLength: after.size,
        head: known.head,
        missingNewline: false,
      };
    } catch (error) {
      throw writeFailed(this.path, error);
    } finally {
      await file.close();
    }
    return [warning];
  }

  private lockLost(): Hk8sError {
    this.held = undefined;
    return new Hk8sError(
      'state.lock-held',
      'the lock was removed or taken over while this command held it; nothing was written',
      {
        where: this.lock.path,
        hint: 'Another hk8s took it over, or `hk8s state unlock` removed it: wait for that to finish, then run `hk8s resume` or the command again',
      },
    );
  }
}

export interface OpenedState {
  state: State;
  events: StoredEvent[];
  warnings: string[];
  /** The seq of the snapshot the state was built from, if one was used. */
  snapshotSeq?: number;
}

/**
 * Reads and verifies the log and replays it (from the snapshot when it still matches). Pass the
 * log you hold the lock with, so that its next append needs no second read.
 */
export async function openState(source: string | EventLogReader): Promise<OpenedState> {
  const log = typeof source === 'string' ? new FileEventLog(source) : source;
  const { events, warnings } = await log.read();
  const snapshot = await log.readSnapshot?.();
  if (snapshot && snapshotMatches(snapshot, events)) {
    return {
      state: replay(events.slice(snapshot.seq), snapshot.state),
      events,
      warnings,
      snapshotSeq: snapshot.seq,
    };
  }
  return { state: replay(events), events, warnings };
}

/** `<root>/.hk8s/<cluster>`. */
export function clusterDir(root: string, cluster: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(cluster) || cluster.includes('..')) {
    throw new Error(`not a valid cluster name for a state directory: ${JSON.stringify(cluster)}`);
  }
  return join(root, STATE_ROOT, cluster);
}

/** The clusters with a log under `<root>/.hk8s/`, by name. */
export async function findClusterDirs(root: string): Promise<Array<{ cluster: string; dir: string }>> {
  const base = join(root, STATE_ROOT);
  let entries;
  try {
    entries = await readdir(base, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const found: Array<{ cluster: string; dir: string }> = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const dir = join(base, entry.name);
    if ((await identityIfExists(join(dir, LOG_FILE))) !== undefined) found.push({ cluster: entry.name, dir });
  }
  return found.sort((a, b) => (a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0));
}

/**
 * Durable storage of the world: a snapshot, `<stateDir>/world.json` (written atomically: temp file,
 * fsync, rename), and an append-only change journal next to it, `<stateDir>/world.journal` (JSON Lines,
 * 0600). After a change only what differs from what is on disk is appended, as one line, fsynced once:
 * the records that changed or went away, by collection and id, and the small top-level fields
 * (counters, rate bucket) that changed. What changed is found by comparing each record's JSON with
 * the JSON last persisted for it — CPU per save stays O(records), but the bytes written and fsynced
 * are those of the change. Past a threshold, on a reset and on close the journal is compacted: a
 * new snapshot, then the journal truncated.
 *
 * The snapshot carries a random `journalEpoch`; the journal's first line names the epoch of the
 * snapshot it extends. A journal of another epoch (a crash between writing a snapshot and
 * truncating the journal) is older than the snapshot and ignored. On load a torn last line (a crash
 * mid-append) is ignored; any other damage fails with a message naming the file and line.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { World } from './types.js';

/** The record collections of the world (`Record<id, record>`); every other top-level field is small. */
const COLLECTIONS = [
  'servers',
  'networks',
  'firewalls',
  'placement_groups',
  'ssh_keys',
  'primary_ips',
  'floating_ips',
  'volumes',
  'images',
  'certificates',
  'load_balancers',
  'actions',
] as const satisfies readonly (keyof World)[];
type Collection = (typeof COLLECTIONS)[number];
const IS_COLLECTION = new Set<string>(COLLECTIONS);

/** `full`: rewrite world.json on every save (the old behaviour, for comparison); default `journal`. */
export type PersistMode = 'journal' | 'full';

export interface StoreOptions {
  mode?: PersistMode;
  /** Compact once the journal holds more bytes than this; default the snapshot's size, at least 256 KiB. */
  compactAfterBytes?: number;
}

/** What the store wrote since it was opened (GET /_sandbox/persistence). */
export interface PersistStats {
  mode: PersistMode;
  /** Saves that found something to write. */
  saves: number;
  /** Journal lines appended (one per save). */
  appends: number;
  /** world.json rewrites (compactions, or every save in `full` mode). */
  snapshots: number;
  bytesWritten: number;
  /** Of those, the bytes of journal lines. */
  appendedBytes: number;
  /** Bytes of the last save (its journal line, or its snapshot). */
  lastSaveBytes: number;
  snapshotBytes: number;
  journalBytes: number;
}

interface JournalLine {
  records?: Record<string, Record<string, unknown>>;
  fields?: Record<string, unknown>;
}

export class WorldStore {
  readonly file: string;
  readonly journalFile: string;
  private readonly mode: PersistMode;
  private readonly compactAfter: number | undefined;
  /** The JSON on disk per record, by collection and id. */
  private persisted = new Map<string, Map<string, string>>();
  /** The JSON on disk of each other top-level field. */
  private fields = new Map<string, string>();
  private epoch = '';
  private journalFd: number | undefined;
  private readonly counts: PersistStats;

  constructor(
    readonly stateDir: string,
    options: StoreOptions = {},
  ) {
    this.file = join(stateDir, 'world.json');
    this.journalFile = join(stateDir, 'world.journal');
    this.mode = options.mode ?? 'journal';
    this.compactAfter = options.compactAfterBytes;
    this.counts = {
      mode: this.mode,
      saves: 0,
      appends: 0,
      snapshots: 0,
      bytesWritten: 0,
      appendedBytes: 0,
      lastSaveBytes: 0,
      snapshotBytes: 0,
      journalBytes: 0,
    };
  }

  stats(): PersistStats {
    return { ...this.counts };
  }

  /** The snapshot with the journal replayed; undefined when there is no snapshot (a new world). */
  load(): World | undefined {
    const text = readOptional(this.file);
    if (text === undefined) return undefined;
    const { journalEpoch, ...world } = JSON.parse(text) as World & { journalEpoch?: string };
    if (world.format !== 1) throw new Error(`unsupported sandbox world format ${String(world.format)}`);
    this.counts.snapshotBytes = Buffer.byteLength(text);
    const journal = readOptional(this.journalFile);
    if (journal !== undefined && journalEpoch !== undefined) this.replay(world, journal, journalEpoch);
    return world;
  }

  /** Persists what changed since the last save: one journal line (or, in `full` mode, a snapshot). */
  save(world: World): void {
    if (this.mode === 'full' || this.epoch === '') {
      this.compact(world);
      return;
    }
    const line = this.diff(world);
    if (line === undefined) return;
    let text = `${line}\n`;
    if (this.counts.journalBytes === 0) text = `${JSON.stringify({ epoch: this.epoch })}\n${text}`;
    this.journalFd ??= openJournal(this.journalFile);
    const bytes = Buffer.byteLength(text);
    try {
      const written = writeSync(this.journalFd, text);
      if (written !== bytes)
        throw new Error(`short write to ${this.journalFile}: ${written} of ${bytes} bytes`);
      fsyncSync(this.journalFd);
    } catch (error) {
      // No half line may stay in the middle of the journal; and the next save writes a full snapshot,
      // as what this one took as persisted is not.
      this.epoch = '';
      try {
        ftruncateSync(this.journalFd, this.counts.journalBytes);
      } catch {
        // the next save's compaction truncates it
      }
      throw error;
    }
    this.counts.saves++;
    this.counts.appends++;
    this.counts.bytesWritten += bytes;
    this.counts.appendedBytes += bytes;
    this.counts.lastSaveBytes = bytes;
    this.counts.journalBytes += bytes;
    const limit = this.compactAfter ?? Math.max(this.counts.snapshotBytes, 256 * 1024);
    if (this.counts.journalBytes > limit) this.compact(world);
  }

  /** Writes a new snapshot of `world` (atomically) and empties the journal. */
  compact(world: World): void {
    mkdirSync(this.stateDir, { recursive: true });
    const epoch = randomBytes(8).toString('hex');
    const persisted = new Map<string, Map<string, string>>();
    const fields = new Map<string, string>();
    const parts: string[] = [];
    for (const [key, value] of Object.entries(world)) {
      if (value === undefined) continue;
      if (IS_COLLECTION.has(key)) {
        const records = new Map<string, string>();
        const entries: string[] = [];
        for (const [id, record] of Object.entries(value as Record<string, unknown>)) {
          const json = JSON.stringify(record);
          records.set(id, json);
          entries.push(`${JSON.stringify(id)}:${json}`);
        }
        persisted.set(key, records);
        parts.push(`${JSON.stringify(key)}:{${entries.join(',')}}`);
      } else {
        const json = JSON.stringify(value);
        fields.set(key, json);
        parts.push(`${JSON.stringify(key)}:${json}`);
      }
    }
    if (this.mode === 'journal') parts.push(`"journalEpoch":${JSON.stringify(epoch)}`);
    const text = `{${parts.join(',')}}`;
    const temp = `${this.file}.${process.pid}.tmp`;
    const fd = openSync(temp, 'w', 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, this.file);
    if (this.mode === 'journal') {
      // The journal (of the old epoch, if a crash stops us here) is ignored from now on; empty it.
      this.journalFd ??= openJournal(this.journalFile);
      ftruncateSync(this.journalFd);
      fsyncSync(this.journalFd);
    }
    const bytes = Buffer.byteLength(text);
    this.persisted = persisted;
    this.fields = fields;
    this.epoch = epoch;
    this.counts.saves++;
    this.counts.snapshots++;
    this.counts.bytesWritten += bytes;
    this.counts.lastSaveBytes = bytes;
    this.counts.snapshotBytes = bytes;
    this.counts.journalBytes = 0;
  }

  /** Compacts and closes the journal; a later save opens it again. */
  close(world: World): void {
    if (this.mode === 'journal' && this.counts.journalBytes > 0) this.compact(world);
    if (this.journalFd !== undefined) closeSync(this.journalFd);
    this.journalFd = undefined;
  }

  /** The journal line for what differs from disk (and takes it as persisted), or undefined. */
  private diff(world: World): string | undefined {
    const records: Record<string, Record<string, unknown>> = {};
    const fields: Record<string, unknown> = {};
    let changed = false;
    for (const [key, value] of Object.entries(world)) {
      if (value === undefined) continue;
      if (!IS_COLLECTION.has(key)) {
        const json = JSON.stringify(value);
        if (this.fields.get(key) !== json) {
          this.fields.set(key, json);
          fields[key] = value;
          changed = true;
        }
        continue;
      }
      let onDisk = this.persisted.get(key);
      if (!onDisk) this.persisted.set(key, (onDisk = new Map()));
      const current = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      let any = false;
      for (const [id, record] of Object.entries(current)) {
        const json = JSON.stringify(record);
        if (onDisk.get(id) === json) continue;
        onDisk.set(id, json);
        out[id] = record;
        any = true;
      }
      for (const id of onDisk.keys()) {
        if (Object.hasOwn(current, id)) continue;
        onDisk.delete(id);
        out[id] = null;
        any = true;
      }
      if (any) {
        records[key] = out;
        changed = true;
      }
    }
    if (!changed) return undefined;
    const line: JournalLine = {};
    if (Object.keys(records).length > 0) line.records = records;
    if (Object.keys(fields).length > 0) line.fields = fields;
    return JSON.stringify(line);
  }

  private replay(world: World, journal: string, epoch: string): void {
    const lines = journal.split('\n');
    const complete = journal.endsWith('\n');
    if (complete) lines.pop();
    const damaged = (n: number, why: string) =>
      new Error(
        `the sandbox world journal ${this.journalFile} is damaged at line ${n} (${why}); ` +
          `it is not a torn last line from an interrupted write. Move it away to start from world.json alone.`,
      );
    for (let i = 0; i < lines.length; i++) {
      const last = i === lines.length - 1;
      let entry: unknown;
      try {
        entry = JSON.parse(lines[i] ?? '');
      } catch {
        if (last && !complete) return; // torn by a crash mid-append: that request never got its answer
        throw damaged(i + 1, 'not JSON');
      }
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
        throw damaged(i + 1, 'not an object');
      }
      if (i === 0) {
        const header = entry as { epoch?: unknown };
        if (typeof header.epoch !== 'string') throw damaged(1, 'no epoch header');
        if (header.epoch !== epoch) return; // older than the snapshot: a compaction was interrupted
        continue;
      }
      applyLine(world, entry as JournalLine, (why) => damaged(i + 1, why));
    }
  }
}

function applyLine(world: World, line: JournalLine, damaged: (why: string) => Error): void {
  for (const key of Object.keys(line)) {
    if (key !== 'records' && key !== 'fields') throw damaged(`unknown key ${key}`);
  }
  for (const [collection, changes] of Object.entries(line.records ?? {})) {
    if (!IS_COLLECTION.has(collection)) throw damaged(`unknown collection ${collection}`);
    if (typeof changes !== 'object' || changes === null) throw damaged(`bad records of ${collection}`);
    const target = world[collection as Collection] as Record<string, unknown>;
    for (const [id, record] of Object.entries(changes)) {
      if (record === null) delete target[id];
      else if (typeof record === 'object') target[id] = record;
      else throw damaged(`bad record ${collection}/${id}`);
    }
  }
  for (const [key, value] of Object.entries(line.fields ?? {})) {
    if (IS_COLLECTION.has(key)) throw damaged(`collection ${key} as a field`);
    (world as unknown as Record<string, unknown>)[key] = value;
  }
}

function openJournal(file: string): number {
  return openSync(file, 'a', 0o600);
}

function readOptional(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

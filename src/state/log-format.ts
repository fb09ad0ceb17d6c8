/**
 * Encoding and checking of log lines, independent of where they are stored, so that every
 * backend (the local file today, PostgreSQL later) chains and verifies events the same way.
 */
import * as crypto from 'node:crypto';
import { Hk8sError } from '../errors.js';
import { dataProblem } from './data-shape.js';
import { CURRENT_FORMAT, isEventType, type NewEvent, type StoredEvent } from './events.js';
import type { RecordedHead } from './head-file.js';

export interface LogHead {
  /** seq of the last event; 0 for an empty log. */
  seq: number;
  /** hash of the last line; null for an empty log. */
  hash: string | null;
}

export const EMPTY_HEAD: LogHead = { seq: 0, hash: null };

// crypto.hash (Node >= 20.12) is a one-shot without the per-call Hash object: much faster for
// 100k short lines. Older Node 20 releases fall back to createHash.
const oneShot = (crypto as { hash?: typeof crypto.hash }).hash;

export const hashLine: (line: string | Uint8Array) => string = oneShot
  ? (line) => oneShot('sha256', line, 'hex')
  : (line) => crypto.createHash('sha256').update(line).digest('hex');

/**
 * Turns new events into lines chained onto `head`. Returns the text to write (every line ends in
 * `\n`) and the events exactly as a reader will get them back.
 */
export function encodeEvents(
  head: LogHead,
  events: readonly NewEvent[],
  now: () => Date,
): { text: string; stored: StoredEvent[]; head: LogHead } {
  let { seq, hash } = head;
  const lines: string[] = [];
  const stored: StoredEvent[] = [];
  for (const event of events) {
    assertAppendable(event, seq + 1);
    seq += 1;
    const line = JSON.stringify({
      v: CURRENT_FORMAT,
      seq,
      time: now().toISOString(),
      type: event.type,
      run: event.run,
      prev: hash,
      data: event.data,
    });
    hash = hashLine(line);
    // Parse back what was written so that the caller sees what every later reader will see
    // (undefined dropped, dates as strings, no shared mutable objects).
    stored.push({ ...(JSON.parse(line) as StoredEvent), hash });
    lines.push(line, '\n');
  }
  return { text: lines.join(''), stored, head: { seq, hash } };
}

/** Programming errors in what a caller tries to append: plain exceptions, nothing is written. */
function assertAppendable(event: NewEvent, seq: number): void {
  if (!isEventType(event.type)) throw new Error(`cannot append an event of unknown type ${event.type}`);
  if ((event.type === 'LogCreated') !== (seq === 1)) {
    throw new Error(
      `LogCreated must be the first event of a log and only it (appending ${event.type} as seq ${seq})`,
    );
  }
  if (typeof event.data !== 'object' || event.data === null)
    throw new Error(`${event.type}: data must be an object`);
  if (event.type === 'ActionStarted' && event.data.request === undefined) {
    throw new Error('ActionStarted: request is required (use null for none)');
  }
}

export interface DecodedLog {
  events: StoredEvent[];
  head: LogHead;
  /** Bytes up to and including the last complete line (a last event without its newline counts). */
  goodLength: number;
  /** The data ends with an incomplete line (an interrupted write). */
  tornTail: boolean;
  /** The last event is complete but its `\n` is missing: a writer adds it before appending. */
  missingNewline: boolean;
  warnings: string[];
}

const CORRUPT_HINT = 'Restore the file from a backup, or run `hk8s state verify` for details';

function corrupt(source: string, line: number, message: string): Hk8sError {
  return new Hk8sError('state.corrupt', message, { where: `${source}:${line}`, hint: CORRUPT_HINT });
}

/**
 * Parses and verifies a whole log: every line is JSON, `v` known, `seq` consecutive from 1,
 * `prev` the hash of the previous line, `type` known, `data` of its type's shape. Of what follows
 * the last `\n`, a complete next event is kept (only its newline was lost) and the start of one
 * is a torn write, reported and ignored; anything else (zero fill, other bytes, a log with no
 * event at all) is damage. Damage throws `state.corrupt` (or `state.format` for a newer format)
 * naming the line. `source` names the log in messages (the file path).
 */
export function decodeLog(bytes: Buffer, source: string): DecodedLog {
  const events: StoredEvent[] = [];
  let prevHash: string | null = null;
  let pos = 0;
  let line = 0;
  while (pos < bytes.length) {
    const end = bytes.indexOf(10, pos);
    if (end === -1) break;
    line += 1;
    const event = decodeLine(bytes.subarray(pos, end), line, prevHash, source);
    events.push(event);
    prevHash = event.hash;
    pos = end + 1;
  }
  const decoded: DecodedLog = {
    events,
    head: { seq: line, hash: prevHash },
    goodLength: pos,
    tornTail: false,
    missingNewline: false,
    warnings: [],
  };
  if (pos === bytes.length) return decoded;
  const tail = bytes.subarray(pos);
  const last = parseTail(tail);
  if (last !== undefined) {
    // A complete object after the last newline is the next event or damage, never a torn write.
    const event = decodeLine(tail, line + 1, prevHash, source);
    events.push(event);
    return {
      ...decoded,
      head: { seq: line + 1, hash: event.hash },
      goodLength: bytes.length,
      missingNewline: true,
    };
  }
  if (!isTornStart(tail, line + 1)) {
    throw corrupt(
      source,
      line + 1,
      line === 0
        ? `the log holds no complete event (${describeBytes(tail)}): it is damaged, not torn by an interrupted write`
        : `after line ${line} come ${tail.length} bytes that are not the start of an event (${describeBytes(tail)})`,
    );
  }
  return {
    ...decoded,
    tornTail: true,
    warnings: [
      `${source}: the last line (seq ${line + 1}?, byte offset ${pos}) was cut short by an interrupted write ` +
        'and is ignored; it will be removed on the next write',
    ],
  };
}

function decodeLine(bytes: Buffer, line: number, prevHash: string | null, source: string): StoredEvent {
  const hash = hashLine(bytes);
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw corrupt(source, line, `line ${line} is not valid JSON (${why.slice(0, 120)})`);
  }
  const event = checkEnvelope(parsed, line, prevHash, source);
  event.hash = hash;
  return event;
}

function parseTail(tail: Buffer): unknown {
  if (tail[0] !== 0x7b /* { */ || tail.includes(0)) return undefined;
  try {
    return JSON.parse(tail.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * What an interrupted append leaves: the first bytes of the line it was writing, possibly
 * followed by zeros where the file system extended the file without the data. Every line starts
 * with the same keys, so the start can be compared byte for byte.
 */
function isTornStart(tail: Buffer, seq: number): boolean {
  let end = tail.length;
  while (end > 0 && tail[end - 1] === 0) end -= 1;
  // Zeros alone after a valid prefix are the unwritten rest of a torn line; with no valid
  // prefix they are a zero-filled file.
  if (end === 0) return seq > 1;
  const written = tail.subarray(0, end);
  if (written.includes(0)) return false;
  const expected = Buffer.from(`{"v":${CURRENT_FORMAT},"seq":${seq},"time":"`);
  const shared = Math.min(written.length, expected.length);
  return written.subarray(0, shared).equals(expected.subarray(0, shared));
}

function describeBytes(bytes: Buffer): string {
  const zeros = bytes.every((byte) => byte === 0);
  if (zeros) return `${bytes.length} zero bytes`;
  return `${bytes.length} bytes starting ${JSON.stringify(bytes.subarray(0, 24).toString('latin1'))}`;
}

/**
 * Compares the decoded log with the head the last writer recorded (`head.json`). A head behind the
 * log is a crash between the two writes; one ahead means lines were lost, and a different hash at
 * its seq means that line was changed, which the hash chain cannot see for the last line.
 */
export function checkRecordedHead(
  decoded: DecodedLog,
  recorded: RecordedHead | undefined,
  source: string,
): void {
  if (!recorded) return;
  const { seq } = decoded.head;
  if (recorded.seq > seq) {
    throw corrupt(
      source,
      seq + 1,
      `the log ends after event ${seq}, but event ${recorded.seq} was written: events were lost from its end`,
    );
  }
  const event = decoded.events[recorded.seq - 1];
  if (event && event.hash !== recorded.hash) {
    throw corrupt(
      source,
      recorded.seq,
      `line ${recorded.seq} is not the line hk8s wrote (its hash differs from the one recorded in head.json): it was edited or damaged`,
    );
  }
}

const ENVELOPE_KEYS = new Set(['v', 'seq', 'time', 'type', 'run', 'prev', 'data']);

/** The cheap per-line check (no zod: replay of 100k events must stay fast). */
function checkEnvelope(value: unknown, line: number, prevHash: string | null, source: string): StoredEvent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw corrupt(source, line, `line ${line} is not an event (not a JSON object)`);
  }
  const event = value as Record<string, unknown>;
  const { v, seq, prev, type } = event;
  if (v !== CURRENT_FORMAT) {
    if (typeof v === 'number' && Number.isInteger(v) && v > CURRENT_FORMAT) {
      throw new Hk8sError(
        'state.format',
        `line ${line} is in state format ${v}, written by a newer hk8s; this hk8s reads format ${CURRENT_FORMAT}`,
        { where: `${source}:${line}`, hint: 'Upgrade hk8s to the version that wrote this log, or newer' },
      );
    }
    throw corrupt(source, line, `line ${line} has an unknown format version ${JSON.stringify(v)}`);
  }
  if (seq !== line) {
    const what =
      typeof seq === 'number' && seq > line ? 'a line is missing' : 'a line is repeated or out of order';
    throw corrupt(
      source,
      line,
      `sequence broken: expected seq ${line}, found ${JSON.stringify(seq)} (${what})`,
    );
  }
  if (prev !== prevHash) {
    throw corrupt(
      source,
      line,
      line === 1
        ? 'hash chain broken: the first line must have prev null'
        : `hash chain broken: prev does not match line ${line - 1}`,
    );
  }
  if (!isEventType(type)) throw corrupt(source, line, `unknown event type ${JSON.stringify(type)}`);
  for (const key in event) {
    if (!ENVELOPE_KEYS.has(key))
      throw corrupt(source, line, `line ${line} has an unknown field ${JSON.stringify(key.slice(0, 60))}`);
  }
  if (typeof event.time !== 'string') throw corrupt(source, line, `line ${line} has no time`);
  if (event.run !== null && typeof event.run !== 'string') {
    throw corrupt(source, line, `line ${line}: run must be a string or null`);
  }
  const data = event.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw corrupt(source, line, `line ${line}: data must be an object`);
  }
  // The boundary where parsed JSON becomes a typed event: the envelope is checked above and each
  // type's data by its shape rules (data-shape.ts).
  const problem = dataProblem(type, data);
  if (problem) throw corrupt(source, line, `line ${line} (${type}): ${problem}`);
  return event as unknown as StoredEvent;
}

/**
 * Encoding and checking of log lines, independent of where they are stored, so that every
 * backend (the local file today, PostgreSQL later) chains and verifies events the same way.
 */
import * as crypto from 'node:crypto';
import { Hk8sError } from '../errors.js';
import { CURRENT_FORMAT, isEventType, type NewEvent, type StoredEvent } from './events.js';

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
  /** Bytes up to and including the last complete line. */
  goodLength: number;
  /** The data ends with an incomplete line (an interrupted write). */
  tornTail: boolean;
  warnings: string[];
}

const CORRUPT_HINT = 'Restore the file from a backup, or run `hk8s state verify` for details';

function corrupt(source: string, line: number, message: string): Hk8sError {
  return new Hk8sError('state.corrupt', message, { where: `${source}:${line}`, hint: CORRUPT_HINT });
}

/**
 * Parses and verifies a whole log: every line is JSON, `v` known, `seq` consecutive from 1,
 * `prev` the hash of the previous line, `type` known. A torn last line is reported and ignored;
 * any other damage throws `state.corrupt` (or `state.format` for a newer format) naming the line.
 * `source` names the log in messages (the file path).
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
    const hash = hashLine(bytes.subarray(pos, end));
    let parsed: unknown;
    try {
      parsed = JSON.parse(bytes.toString('utf8', pos, end));
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw corrupt(source, line, `line ${line} is not valid JSON (${why})`);
    }
    const event = checkEnvelope(parsed, line, prevHash, source);
    event.hash = hash;
    events.push(event);
    prevHash = hash;
    pos = end + 1;
  }
  const tornTail = pos < bytes.length;
  const warnings = tornTail
    ? [
        `${source}: the last line (seq ${line + 1}?, byte offset ${pos}) was cut short by an interrupted write ` +
          'and is ignored; it will be removed on the next write',
      ]
    : [];
  return { events, head: { seq: line, hash: prevHash }, goodLength: pos, tornTail, warnings };
}

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
  if (typeof event.time !== 'string') throw corrupt(source, line, `line ${line} has no time`);
  if (event.run !== null && typeof event.run !== 'string') {
    throw corrupt(source, line, `line ${line}: run must be a string or null`);
  }
  const data = event.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw corrupt(source, line, `line ${line}: data must be an object`);
  }
  // The boundary where parsed JSON becomes a typed event: the envelope is checked above, each
  // type's data against its schema by `hk8s state verify`.
  return event as unknown as StoredEvent;
}

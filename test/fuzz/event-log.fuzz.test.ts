/**
 * Fuzz of damaged event logs (issue 12 "Hostile input"), built from the sample logs through the
 * real append code (so with head.json): a torn tail, zero fill, flipped bytes, a missing newline,
 * cuts, and chained events whose data has the wrong shape. Each case either replays to the same
 * state (benign) or is damage: exit 5 on read, replay and write, and the file left byte for byte.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode, Hk8sError } from '../../src/errors.js';
import { EventDataSchemas } from '../../src/state/event-schema.js';
import type { NewEvent, StoredEvent } from '../../src/state/events.js';
import { HEAD_FILE } from '../../src/state/head-file.js';
import { hashLine } from '../../src/state/log-format.js';
import { FileEventLog, LOG_FILE, openState } from '../../src/state/log-store.js';
import type { State } from '../../src/state/reducer.js';
import { flipByte, mutateStructure, zeroRange } from './mutate.js';
import { FUZZ_SEED, Prng, reportCases } from './prng.js';

const SAMPLES_DIR = 'state/samples/v1';
const PER_CLASS = 40;

interface Base {
  name: string;
  dir: string;
  bytes: Buffer;
  head: Buffer;
  events: StoredEvent[];
  state: State;
}

let root: string;
const bases: Base[] = [];
let caseNumber = 0;

const toNew = (event: StoredEvent): NewEvent =>
  ({ type: event.type, run: event.run, data: event.data }) as NewEvent;
const forget: NewEvent = {
  type: 'ResourceForgotten',
  run: null,
  data: { address: 'x.fuzz', reason: 'fuzz' },
};

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'hk8s-fuzz-log-'));
  for (const name of readdirSync(SAMPLES_DIR).sort()) {
    const text = readFileSync(path.join(SAMPLES_DIR, name));
    const source = path.join(root, `source-${name}`);
    await mkdir(source, { recursive: true });
    await writeFile(path.join(source, LOG_FILE), text);
    const events = (await new FileEventLog(source).read()).events;
    const dir = path.join(root, `base-${name}`);
    const log = new FileEventLog(dir);
    const lock = await log.acquire({ command: 'fuzz' });
    await log.append(events.map(toNew));
    await lock.release();
    const opened = await openState(dir);
    bases.push({
      name,
      dir,
      bytes: await readFile(path.join(dir, LOG_FILE)),
      head: await readFile(path.join(dir, HEAD_FILE)),
      events: opened.events,
      state: opened.state,
    });
  }
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A fresh copy of a base log with `bytes` as its content (and the base's head record). */
async function damaged(base: Base, bytes: Buffer, head: Buffer | string = base.head): Promise<string> {
  const dir = path.join(root, `case-${(caseNumber += 1)}`);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, LOG_FILE), bytes);
  if (head === base.head) await copyFile(path.join(base.dir, HEAD_FILE), path.join(dir, HEAD_FILE));
  else await writeFile(path.join(dir, HEAD_FILE), head);
  return dir;
}

type Outcome = 'benign' | 'damage';

async function attempt(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
    return undefined;
  } catch (error) {
    return error;
  }
}

function assertDamage(error: unknown, what: string, line?: number): void {
  if (!(error instanceof Hk8sError)) {
    throw new Error(`${what}: not an hk8s error: ${error instanceof Error ? error.stack : String(error)}`);
  }
  expect(error.exitCode, `${what}: ${error.oneLine()}`).toBe(ExitCode.STATE_CORRUPT);
  expect(error.where, what).toMatch(new RegExp(`${LOG_FILE}:\\d+$`));
  if (line !== undefined) expect(error.where, what).toMatch(new RegExp(`:${line}$`));
}

/**
 * The oracle. Benign: the state is the base's (or `same` is false: any state, for valid data of
 * another value) and a writer can append. Damage: read, replay and a writer all stop with exit 5.
 */
async function judge(
  base: Base,
  dir: string,
  what: string,
  options: { same?: boolean; line?: number } = {},
): Promise<Outcome> {
  const file = path.join(dir, LOG_FILE);
  const before = await readFile(file);
  const read = await attempt(() => new FileEventLog(dir).read());
  const opened = await openState(dir).catch((error: unknown) => error);
  const writer = new FileEventLog(dir);
  const written = await attempt(async () => {
    const lock = await writer.acquire({ command: 'fuzz' });
    try {
      await writer.append([forget]);
    } finally {
      await lock.release();
    }
  });
  if (read === undefined) {
    expect(opened, what).not.toBeInstanceOf(Error);
    if (options.same !== false) expect((opened as { state: State }).state, what).toEqual(base.state);
    expect(written, `${what}: the writer failed on a benign log`).toBeUndefined();
    const after = await new FileEventLog(dir).read();
    expect(after.events.at(-1)?.type, what).toBe('ResourceForgotten');
    expect(after.tornTail, what).toBe(false);
    return 'benign';
  }
  assertDamage(read, `${what} (read)`, options.line);
  assertDamage(opened, `${what} (replay)`, options.line);
  assertDamage(written, `${what} (write)`, options.line);
  expect((await readFile(file)).equals(before), `${what}: the damaged file was changed`).toBe(true);
  return 'damage';
}

/** Lines chained by hand, so that a wrong-shape `data` still has a valid hash chain. */
function chainLines(events: ReadonlyArray<Pick<StoredEvent, 'type' | 'run' | 'time' | 'data'>>): {
  text: string;
  head: string;
} {
  let prev: string | null = null;
  const lines: string[] = [];
  events.forEach((event, index) => {
    const line = JSON.stringify({
      v: 1,
      seq: index + 1,
      time: event.time,
      type: event.type,
      run: event.run,
      prev,
      data: event.data,
    });
    prev = hashLine(line);
    lines.push(line);
  });
  return { text: `${lines.join('\n')}\n`, head: JSON.stringify({ seq: lines.length, hash: prev }) };
}

describe(`fuzz: damaged event logs (seed ${FUZZ_SEED})`, () => {
  it('every damaged log replays to the same state or is damage with exit 5, and nothing is written', async () => {
    const prng = new Prng(FUZZ_SEED);
    const counts: Record<string, number> = {};
    const outcomes: Record<string, number> = {};
    const run = async (kind: string, outcome: Promise<Outcome>, expected?: Outcome): Promise<void> => {
      const got = await outcome;
      counts[kind] = (counts[kind] ?? 0) + 1;
      outcomes[`${kind} ${got}`] = (outcomes[`${kind} ${got}`] ?? 0) + 1;
      if (expected) expect(got, `${kind} case ${counts[kind]}`).toBe(expected);
    };
    for (let i = 0; i < PER_CLASS; i++) {
      const base = prng.pick(bases);
      const next = JSON.stringify({
        v: 1,
        seq: base.events.length + 1,
        time: '2026-03-15T11:00:00.000Z',
        type: 'ResourceForgotten',
        run: null,
        prev: base.events.at(-1)?.hash,
        data: { address: 'x', reason: 'y' },
      });
      const cut = Buffer.from(next.slice(0, 1 + prng.int(next.length - 1)));
      const tail = prng.int(3) === 0 ? Buffer.concat([cut, Buffer.alloc(1 + prng.int(100))]) : cut;
      const what = `${base.name}: torn next line ${JSON.stringify(tail.toString('latin1').slice(0, 40))}`;
      await run(
        'torn-tail',
        judge(base, await damaged(base, Buffer.concat([base.bytes, tail])), what),
        'benign',
      );
    }
    for (let i = 0; i < PER_CLASS; i++) {
      const base = prng.pick(bases);
      const dir = await damaged(base, zeroRange(base.bytes, prng));
      await run('zero-fill', judge(base, dir, `${base.name}: zero fill ${i}`), 'damage');
    }
    for (let i = 0; i < PER_CLASS; i++) {
      const base = prng.pick(bases);
      await run(
        'zero-file',
        judge(base, await damaged(base, Buffer.alloc(1 + prng.int(9000)), ''), `zeros ${i}`),
        'damage',
      );
    }
    for (let i = 0; i < PER_CLASS * 2; i++) {
      const base = prng.pick(bases);
      await run(
        'flipped-byte',
        judge(base, await damaged(base, flipByte(base.bytes, prng)), `${base.name}: flip ${i}`),
      );
    }
    for (const base of bases) {
      await run(
        'missing-newline',
        judge(base, await damaged(base, base.bytes.subarray(0, -1)), `${base.name}: no final newline`),
        'benign',
      );
    }
    for (let i = 0; i < PER_CLASS; i++) {
      const base = prng.pick(bases);
      const cut = prng.int(base.bytes.length);
      await run(
        'cut',
        judge(base, await damaged(base, base.bytes.subarray(0, cut)), `${base.name}: cut at ${cut}`),
        'damage',
      );
    }
    for (let i = 0; i < PER_CLASS * 3; i++) {
      const base = prng.pick(bases);
      const index = prng.int(base.events.length);
      const event = base.events[index]!;
      const mutated = mutateStructure(event.data, prng);
      const events = base.events.map((e, at) =>
        at === index ? { ...e, data: mutated.value as StoredEvent['data'] } : e,
      );
      const { text, head } = chainLines(events);
      const valid = EventDataSchemas[event.type].safeParse(mutated.value).success;
      const what = `${base.name}: line ${index + 1} (${event.type}) ${mutated.edit}`;
      const got = await judge(base, await damaged(base, Buffer.from(text), head), what, {
        same: false,
        line: index + 1,
      });
      // The hand-written shape check of every read must agree with the schemas of state verify.
      await run('wrong-shape', Promise.resolve(got), valid ? 'benign' : 'damage');
    }
    reportCases('event log', counts, outcomes);
    expect(outcomes['flipped-byte damage']).toBeGreaterThan(0);
    expect(outcomes['wrong-shape damage']).toBeGreaterThan(PER_CLASS);
  }, 120_000);
});

/**
 * Regressions of issue 12 #2 and #8: what follows the last newline, event data of the wrong
 * shape, and edits of the last line (which the hash chain cannot see).
 */
import { appendFile, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode, Hk8sError } from '../../../src/errors.js';
import type { NewEvent } from '../../../src/state/events.js';
import { HEAD_FILE } from '../../../src/state/head-file.js';
import { encodeEvents, EMPTY_HEAD } from '../../../src/state/log-format.js';
import { FileEventLog, openState } from '../../../src/state/log-store.js';
import { verifyEvents } from '../../../src/state/verify.js';
import { created, fixedClock, runStarted, started, succeeded, tempDir } from './helpers.js';

const EVENTS: NewEvent[] = [
  created(),
  { type: 'SecretStored', run: null, data: { name: 'talos.secrets', value: { $secret: 'c2VjcmV0' } } },
  runStarted('r1', [['a1', 'network.main']]),
  started('r1', 'a1', 'network.main'),
  succeeded('r1', 'a1', 'network.main'),
];

async function written(events: NewEvent[] = EVENTS): Promise<{ log: FileEventLog; bytes: Buffer }> {
  const dir = join(await tempDir(), '.hk8s', 'demo');
  const log = new FileEventLog(dir, { now: fixedClock() });
  const lock = await log.acquire({ command: 'test' });
  await log.append(events);
  await lock.release();
  return { log, bytes: await readFile(log.path) };
}

async function damage(promise: Promise<unknown>): Promise<Hk8sError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(Hk8sError);
  expect((error as Hk8sError).exitCode).toBe(ExitCode.STATE_CORRUPT);
  return error as Hk8sError;
}

/** Every way in: read, replay, and a writer's append; and the file is left as it was. */
async function expectDamage(log: FileEventLog, line: number, message: RegExp): Promise<void> {
  const before = await readFile(log.path);
  const writer = new FileEventLog(log.dir);
  const append = async (): Promise<unknown> => {
    const handle = await writer.acquire({ command: 'test' });
    try {
      return await writer.append([started('r1', 'a1', 'network.main')]);
    } finally {
      await handle.release();
    }
  };
  for (const attempt of [() => new FileEventLog(log.dir).read(), () => openState(log.dir), append]) {
    const error = await damage(attempt());
    expect(error.where).toBe(`${log.path}:${line}`);
    expect(error.message).toMatch(message);
  }
  expect(await readFile(log.path)).toEqual(before);
}

describe('what follows the last newline', () => {
  it.each([
    ['a zero-filled file', Buffer.alloc(4096)],
    ['a file of text without a newline', Buffer.from('hello, this is not a log')],
    ['a lone JSON object that is not an event', Buffer.from('{"v":1,"seq":1}')],
  ])('%s is damage, not an empty log, and is not truncated', async (_name, content) => {
    const { log } = await written();
    await writeFile(log.path, content);
    await rm(join(log.dir, HEAD_FILE));
    await expectDamage(log, 1, /holds no complete event|not valid JSON|hash chain|required|unknown field/);
    expect((await readFile(log.path)).length).toBe(content.length);
  });

  it('zeros over the end of the last line are lost events, caught by head.json', async () => {
    const { log, bytes } = await written();
    const damaged = Buffer.from(bytes);
    damaged.fill(0, bytes.length - 30);
    await writeFile(log.path, damaged);
    await expectDamage(log, 5, /ends after event 4, but event 5 was written/);
    // Without the record it looks exactly like a torn write of line 5, which is all it can be.
    await rm(join(log.dir, HEAD_FILE));
    const read = await new FileEventLog(log.dir).read();
    expect([read.events.length, read.tornTail]).toEqual([4, true]);
  });

  it('zeros after the newline of a valid prefix are the unwritten rest of a torn line', async () => {
    const { log, bytes } = await written();
    await writeFile(log.path, Buffer.concat([bytes, Buffer.alloc(512)]));
    const read = await new FileEventLog(log.dir).read();
    expect([read.events.length, read.tornTail]).toEqual([5, true]);
  });

  it('a last event that lost only its newline is kept, and the writer adds the newline', async () => {
    const { log, bytes } = await written();
    await writeFile(log.path, bytes.subarray(0, -1));
    const read = await new FileEventLog(log.dir).read();
    expect(read.events).toHaveLength(5);
    expect(read.tornTail).toBe(false);
    expect((await openState(log.dir)).state.resources['server.cp.1'] ?? read.events[4]?.data).toBeDefined();

    const writer = new FileEventLog(log.dir, { now: fixedClock('2026-03-01T00:00:00.000Z') });
    const handle = await writer.acquire({ command: 'test' });
    expect(handle.warnings).toEqual([
      expect.stringMatching(/added the newline missing after the last event \(seq 5\)/),
    ]);
    expect(await readFile(log.path)).toEqual(bytes);
    await writer.append([started('r1', 'a1', 'network.main')]);
    const after = await new FileEventLog(log.dir).read();
    expect(after.events.map((event) => event.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(
      verifyEvents(after.events).problems.filter((p) => !/after run|never started/.test(p.message)),
    ).toEqual([]);
  });

  it('an append by the lock holder also writes the missing newline first', async () => {
    const dir = join(await tempDir(), '.hk8s', 'demo');
    const log = new FileEventLog(dir, { now: fixedClock() });
    await log.acquire({ command: 'test' });
    await log.append(EVENTS.slice(0, 2));
    await truncate(log.path, (await readFile(log.path)).length - 1);
    await log.append(EVENTS.slice(2));
    expect((await new FileEventLog(dir).read()).events).toHaveLength(5);
  });
});

/** A chained log whose line `index` has `data` replaced: the hash chain is intact. */
async function withData(index: number, data: unknown): Promise<FileEventLog> {
  const events = EVENTS.map((event, i) => (i === index ? ({ ...event, data } as NewEvent) : event));
  const { text } = encodeEvents(EMPTY_HEAD, events, fixedClock());
  const { log } = await written();
  await writeFile(log.path, text);
  await rm(join(log.dir, HEAD_FILE));
  return log;
}

describe('event data of the wrong shape', () => {
  it.each([
    [
      'a resource that is a number',
      4,
      { action: 'a1', kind: 'create', address: 'network.main', resource: 5 },
      /data\.resource must be an object/,
    ],
    [
      'RunStarted without actions',
      2,
      { command: 'apply', planHash: 'p', specHash: 's', parallelism: 1, hk8sVersion: 'x' },
      /data\.actions is required/,
    ],
    [
      'actions that are not a list',
      2,
      { command: 'apply', planHash: 'p', specHash: 's', parallelism: 1, actions: 'x', hk8sVersion: 'x' },
      /data\.actions must be a list/,
    ],
    [
      'a secret without $secret',
      1,
      { name: 'talos.secrets', value: 'plain' },
      /data\.value must be an object/,
    ],
    [
      'an unknown field',
      3,
      { action: 'a1', kind: 'create', address: 'network.main', request: null, extra: 1 },
      /unknown field "extra"/,
    ],
    ['a LogCreated without cluster', 0, { format: 1, hk8sVersion: 'x' }, /data\.cluster is required/],
  ])('%s is damage at its line (exit 5), not a TypeError', async (_name, index, data, message) => {
    const log = await withData(index, data);
    await expectDamage(log, index + 1, message);
  });
});

describe('the last line, which the hash chain cannot prove', () => {
  const editLast = (bytes: Buffer): string =>
    bytes
      .toString('utf8')
      .replace('"address":"network.main","resource"', '"address":"network.evil","resource"');

  it('an edit of the last line is caught against head.json', async () => {
    const { log, bytes } = await written();
    const edited = editLast(bytes);
    expect(edited).not.toBe(bytes.toString('utf8'));
    await writeFile(log.path, edited);
    await expectDamage(log, 5, /line 5 is not the line hk8s wrote/);
  });

  it('a whole last line cut off is caught: events were lost', async () => {
    const { log, bytes } = await written();
    const lines = bytes.toString('utf8').split('\n');
    await writeFile(log.path, `${lines.slice(0, 4).join('\n')}\n`);
    await expectDamage(log, 5, /ends after event 4, but event 5 was written/);
  });

  it('a head record behind the log (a crash between the two writes) is fine', async () => {
    const { log } = await written();
    const { events } = await log.read();
    await writeFile(join(log.dir, HEAD_FILE), JSON.stringify({ seq: 3, hash: events[2]?.hash }));
    expect((await new FileEventLog(log.dir).read()).events).toHaveLength(5);
    await writeFile(join(log.dir, HEAD_FILE), '');
    expect((await new FileEventLog(log.dir).read()).events).toHaveLength(5);
  });

  it('a log without a head record (written before there was one) still reads', async () => {
    const { log, bytes } = await written();
    await rm(join(log.dir, HEAD_FILE));
    await appendFile(log.path, ''); // unchanged
    expect((await new FileEventLog(log.dir).read()).events).toHaveLength(5);
    expect(await readFile(log.path)).toEqual(bytes);
  });

  it('head.json follows every append, mode 0600', async () => {
    const { log } = await written();
    const { events } = await log.read();
    const head = JSON.parse(await readFile(join(log.dir, HEAD_FILE), 'utf8')) as unknown;
    expect(head).toEqual({ seq: 5, hash: events[4]?.hash });
  });
});

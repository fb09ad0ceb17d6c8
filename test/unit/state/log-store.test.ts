import { createHash } from 'node:crypto';
import { appendFile, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Hk8sError } from '../../../src/errors.js';
import type { NewEvent } from '../../../src/state/events.js';
import { FileEventLog, LOCK_FILE, LOG_FILE, openState } from '../../../src/state/log-store.js';
import { writeSnapshot } from '../../../src/state/snapshot.js';
import { created, fixedClock, runStarted, started, succeeded, tempDir } from './helpers.js';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** A locked log in a fresh `<tmp>/.hk8s/demo`. */
async function lockedLog(): Promise<{ log: FileEventLog; dir: string }> {
  const dir = join(await tempDir(), '.hk8s', 'demo');
  const log = new FileEventLog(dir, { now: fixedClock() });
  await log.acquire({ command: 'test' });
  return { log, dir };
}

const sixEvents: NewEvent[] = [
  created(),
  runStarted('r1', [
    ['a1', 'network.main'],
    ['a2', 'server.cp.1', ['a1']],
  ]),
  started('r1', 'a1', 'network.main'),
  succeeded('r1', 'a1', 'network.main'),
  started('r1', 'a2', 'server.cp.1'),
  succeeded('r1', 'a2', 'server.cp.1'),
];

async function writtenLog(): Promise<{ log: FileEventLog; dir: string; bytes: Buffer; lines: string[] }> {
  const { log, dir } = await lockedLog();
  await log.append(sixEvents);
  const bytes = await readFile(log.path);
  return { log, dir, bytes, lines: bytes.toString('utf8').split('\n').slice(0, -1) };
}

async function expectHk8sError(promise: Promise<unknown>): Promise<Hk8sError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(Hk8sError);
  return error as Hk8sError;
}

describe('FileEventLog append and read', () => {
  it('round-trips events with consecutive seqs and a hash chain over the exact line bytes', async () => {
    const { log } = await lockedLog();
    const first = await log.append(sixEvents.slice(0, 2));
    const second = await log.append(sixEvents.slice(2));
    const { events, warnings, tornTail } = await new FileEventLog(log.dir).read();

    expect(warnings).toEqual([]);
    expect(tornTail).toBe(false);
    expect(events).toEqual([...first, ...second]);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(events.map((e) => e.type)).toEqual(sixEvents.map((e) => e.type));
    expect(events[3]?.data).toEqual(sixEvents[3]?.data);

    const lines = (await readFile(log.path, 'utf8')).split('\n');
    expect(lines.at(-1)).toBe('');
    expect(events[0]?.prev).toBeNull();
    for (let i = 0; i < events.length; i += 1) {
      expect(events[i]?.hash).toBe(sha256(lines[i] ?? ''));
      if (i > 0) expect(events[i]?.prev).toBe(sha256(lines[i - 1] ?? ''));
      expect(Object.keys(JSON.parse(lines[i] ?? '{}'))).toEqual([
        'v',
        'seq',
        'time',
        'type',
        'run',
        'prev',
        'data',
      ]);
    }
  });

  it('reads a missing log as empty', async () => {
    const dir = join(await tempDir(), '.hk8s', 'none');
    await expect(new FileEventLog(dir).read()).resolves.toEqual({
      events: [],
      warnings: [],
      tornTail: false,
    });
  });

  it('returns appended events as a reader sees them (undefined dropped)', async () => {
    const { log } = await lockedLog();
    await log.append([created()]);
    const [stored] = await log.append([started('r1', 'a1', 'x', { keep: 1, drop: undefined })]);
    expect(stored?.data).toEqual({ action: 'a1', kind: 'create', address: 'x', request: { keep: 1 } });
    expect('drop' in ((stored?.data as { request: object }).request ?? {})).toBe(false);
  });

  it('refuses to append without holding the lock, with a plain Error', async () => {
    const dir = join(await tempDir(), '.hk8s', 'demo');
    const error = await new FileEventLog(dir).append([created()]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(Hk8sError);
    expect(String(error)).toMatch(/without holding its lock/);
  });

  it.each([
    ['a first event that is not LogCreated', [runStarted('r1', [])]],
    ['a second LogCreated', [created(), created()]],
    [
      'an ActionStarted without request',
      [
        created(),
        { type: 'ActionStarted', run: 'r', data: { action: 'a', kind: 'k', address: 'x' } } as NewEvent,
      ],
    ],
  ])('refuses %s and writes nothing', async (_name, events) => {
    const { log } = await lockedLog();
    await expect(log.append(events)).rejects.toThrow(Error);
    await expect(stat(log.path)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('creates the directories 0700 and the log and lock files 0600', async () => {
    const { log, dir } = await lockedLog();
    await log.append([created()]);
    await writeSnapshot(dir, (await openState(log)).state);
    const mode = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;
    expect(await mode(dir)).toBe(0o700);
    expect(await mode(join(dir, '..'))).toBe(0o700);
    expect(await mode(join(dir, LOG_FILE))).toBe(0o600);
    expect(await mode(join(dir, LOCK_FILE))).toBe(0o600);
    expect(await mode(join(dir, 'snapshot.json'))).toBe(0o600);
  });

  it('continues the chain of a log written by another instance', async () => {
    const { log } = await writtenLog();
    const fresh = await log.append([started('r1', 'a3', 'x')]);
    const { events } = await new FileEventLog(log.dir).read();
    expect(fresh[0]?.seq).toBe(7);
    expect(events[6]?.prev).toBe(events[5]?.hash);
  });
});

describe('a torn last line', () => {
  it.each([
    ['a partial JSON object', '{"v":1,"seq":7,"time":"2026-'],
    ['the start of the next line, then zeros', `{"v":1,"seq":7,"ti${'\0'.repeat(40)}`],
    ['only zeros where the next line was going', '\0'.repeat(64)],
  ])(
    '(%s) is reported, ignored, and cut on the next locked write; nothing else is lost',
    async (_name, tail) => {
      const { log, bytes } = await writtenLog();
      await appendFile(log.path, tail);

      const reader = new FileEventLog(log.dir);
      const read = await reader.read();
      expect(read.tornTail).toBe(true);
      expect(read.events).toHaveLength(6);
      expect(read.warnings).toHaveLength(1);
      expect(read.warnings[0]).toContain(
        `${LOG_FILE}: the last line (seq 7?, byte offset ${bytes.length}) was cut short`,
      );
      expect(read.warnings[0]).toMatch(/it will be removed on the next write$/);
      expect((await readFile(log.path)).length).toBe(bytes.length + tail.length); // reading changes nothing

      const writer = new FileEventLog(log.dir, { now: fixedClock('2026-02-01T00:00:00.000Z') });
      await log.breakLock();
      const handle = await writer.acquire({ command: 'test' });
      expect(handle.warnings).toHaveLength(1);
      expect(await readFile(log.path)).toEqual(bytes);

      await writer.append([started('r1', 'a3', 'x')]);
      const after = await new FileEventLog(log.dir).read();
      expect(after.warnings).toEqual([]);
      expect(after.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect((await readFile(log.path)).subarray(0, bytes.length)).toEqual(bytes);
    },
  );

  it('is also cut by an append of the instance that holds the lock', async () => {
    const { log, bytes } = await writtenLog();
    await appendFile(log.path, '{"v":1,"se');
    await log.append([started('r1', 'a3', 'x')]);
    const { events, warnings } = await new FileEventLog(log.dir).read();
    expect(warnings).toEqual([]);
    expect(events).toHaveLength(7);
    expect((await readFile(log.path)).subarray(0, bytes.length)).toEqual(bytes);
  });
});

type Damage = (lines: string[]) => string[];
const editLine = (index: number, edit: (event: Record<string, unknown>) => void): Damage => {
  return (lines) =>
    lines.map((line, i) => {
      if (i !== index) return line;
      const event = JSON.parse(line) as Record<string, unknown>;
      edit(event);
      return JSON.stringify(event);
    });
};

describe('damage before the last line', () => {
  const cases: Array<[name: string, damage: Damage, line: number, message: RegExp]> = [
    [
      'bad JSON in the middle',
      (l) => l.map((x, i) => (i === 2 ? x.slice(0, 40) : x)),
      3,
      /line 3 is not valid JSON/,
    ],
    [
      'a changed byte in an old line',
      (l) => l.map((x, i) => (i === 1 ? x.replace('network.main', 'network.mair') : x)),
      3,
      /hash chain broken: prev does not match line 2/,
    ],
    [
      'a missing line',
      (l) => l.filter((_x, i) => i !== 2),
      3,
      /expected seq 3, found 4 \(a line is missing\)/,
    ],
    ['a repeated line', (l) => [...l.slice(0, 4), l[3] ?? '', ...l.slice(4)], 5, /expected seq 5, found 4/],
    [
      'a wrong prev',
      editLine(3, (e) => (e.prev = '0'.repeat(64))),
      4,
      /hash chain broken: prev does not match line 3/,
    ],
    [
      'a first line with a prev',
      editLine(0, (e) => (e.prev = '0'.repeat(64))),
      1,
      /first line must have prev null/,
    ],
    ['an unknown type', editLine(1, (e) => (e.type = 'RunExploded')), 2, /unknown event type "RunExploded"/],
    ['an unknown old version', editLine(2, (e) => (e.v = 0)), 3, /unknown format version 0/],
    ['a line that is not an object', (l) => l.map((x, i) => (i === 1 ? '[1,2]' : x)), 2, /not an event/],
    ['an empty line', (l) => [...l.slice(0, 2), '', ...l.slice(2)], 3, /line 3 is not valid JSON/],
    ['data that is not an object', editLine(4, (e) => (e.data = 'x')), 5, /data must be an object/],
  ];

  it.each(cases)(
    '%s: state.corrupt naming the line, and nothing is written',
    async (_name, damage, line, message) => {
      const { log, lines } = await writtenLog();
      const damaged = `${damage(lines).join('\n')}\n`;
      await writeFile(log.path, damaged);

      const error = await expectHk8sError(new FileEventLog(log.dir).read());
      expect(error.code).toBe('state.corrupt');
      expect(error.where).toBe(`${log.path}:${line}`);
      expect(error.message).toMatch(message);
      expect(error.hint).toMatch(/backup.*hk8s state verify/);

      // The writer holding the lock refuses too, and the file stays byte for byte the same.
      const appendError = await expectHk8sError(log.append([started('r1', 'a9', 'x')]));
      expect(appendError.code).toBe('state.corrupt');
      await expect(log.append([started('r1', 'a9', 'x')])).rejects.toBe(appendError);
      expect(await readFile(log.path, 'utf8')).toBe(damaged);
    },
  );

  it('stops acquire when the log is also torn, releasing the lock and cutting nothing', async () => {
    const { log, lines } = await writtenLog();
    await log.breakLock();
    const damaged = `${editLine(3, (e) => (e.prev = null))(lines).join('\n')}\n{"v":1,"seq":7`;
    await writeFile(log.path, damaged);
    const error = await expectHk8sError(new FileEventLog(log.dir).acquire({ command: 'test' }));
    expect(error.code).toBe('state.corrupt');
    expect(await readFile(log.path, 'utf8')).toBe(damaged);
    await expect(log.inspect()).resolves.toBeUndefined();
  });

  it('reports a line of a newer format as state.format, asking to upgrade', async () => {
    const { log, lines } = await writtenLog();
    await writeFile(log.path, `${editLine(2, (e) => (e.v = 2))(lines).join('\n')}\n`);
    const error = await expectHk8sError(new FileEventLog(log.dir).read());
    expect(error.code).toBe('state.format');
    expect(error.where).toBe(`${log.path}:3`);
    expect(error.message).toMatch(/format 2, written by a newer hk8s/);
    expect(error.hint).toMatch(/Upgrade hk8s/);
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Hk8sError } from '../../../src/errors.js';
import { FileLock } from '../../../src/state/lock.js';
import { FileEventLog, LOCK_FILE } from '../../../src/state/log-store.js';
import { created, tempDir } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');
const holder = join(here, 'fixtures', 'hold-lock.ts');

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Starts a process that takes the lock of `dir` and waits; resolves once it holds it. */
async function holdLockInAnotherProcess(dir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', holder, dir], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  await new Promise<void>((done, fail) => {
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('locked')) done();
    });
    child.once('exit', (code) => fail(new Error(`lock holder exited early (${code}): ${stderr}`)));
  });
  return child;
}

async function killAndWait(child: ChildProcess): Promise<void> {
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGKILL');
  await exited;
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((done) => child.once('exit', done));
  if (child.pid === undefined) throw new Error('no pid');
  return child.pid;
}

async function rejection(promise: Promise<unknown>): Promise<Hk8sError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(Hk8sError);
  return error as Hk8sError;
}

async function clusterDir(): Promise<string> {
  return join(await tempDir(), '.hk8s', 'demo');
}

describe('the lock between two processes', () => {
  it('refuses a second holder naming the first, and takes over once the first is killed', async () => {
    const dir = await clusterDir();
    const child = await holdLockInAnotherProcess(dir);
    const log = new FileEventLog(dir);

    const error = await rejection(log.acquire({ command: 'apply' }));
    expect(error.code).toBe('state.lock-held');
    expect(error.where).toBe(join(dir, LOCK_FILE));
    expect(error.message).toContain(`pid ${child.pid}`);
    expect(error.message).toContain("running 'hold-lock-test', run r-fixture");
    expect(error.message).toMatch(/locked by \S+@\S+ .* since \d{4}-\d\d-\d\dT/);
    expect(error.hint).toMatch(
      /wait for it to finish, or if you are sure it is dead or hung run `hk8s state unlock --force`/i,
    );
    expect(await log.inspect()).toMatchObject({
      pid: child.pid,
      command: 'hold-lock-test',
      host: hostname(),
    });

    await killAndWait(child);
    const handle = await log.acquire({ command: 'apply', run: 'r2' });
    expect(handle.info.pid).toBe(process.pid);
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({
      pid: process.pid,
      command: 'apply',
      run: 'r2',
    });
    await log.append([created()]);
    await handle.release();
    expect(await log.inspect()).toBeUndefined();
  });

  it('breakLock removes the lock of a live holder, so that another can take it', async () => {
    const dir = await clusterDir();
    const child = await holdLockInAnotherProcess(dir);
    const log = new FileEventLog(dir);
    const broken = await log.breakLock();
    expect(broken).toMatchObject({ pid: child.pid, command: 'hold-lock-test' });
    expect(await log.breakLock()).toBeUndefined();
    const handle = await log.acquire({ command: 'apply' });
    expect(await handle.isHeld()).toBe(true);
  });
});

describe('the lock within one process', () => {
  it('lets exactly one of several concurrent takers take over a stale lock', async () => {
    const dir = await clusterDir();
    await new FileEventLog(dir).acquire({ command: 'setup' });
    const stale = {
      holder: 'x@y',
      pid: await deadPid(),
      host: hostname(),
      startedAt: 'then',
      command: 'apply',
    };
    await writeFile(join(dir, LOCK_FILE), JSON.stringify(stale));

    const takers = Array.from({ length: 6 }, () => new FileEventLog(dir).acquire({ command: 'apply' }));
    const results = await Promise.allSettled(takers);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(5);
    for (const { reason } of lost) expect((reason as Hk8sError).code).toBe('state.lock-held');
  });

  it('a taker that saw a stale lock does not remove the live lock that replaced it', async () => {
    const dir = await clusterDir();
    await new FileEventLog(dir).acquire({ command: 'setup' });
    const path = join(dir, LOCK_FILE);
    const staleRaw = JSON.stringify({
      holder: 'x@y',
      pid: await deadPid(),
      host: hostname(),
      startedAt: 't',
      command: 'a',
    });
    await writeFile(path, staleRaw);
    const winner = await new FileLock(path).acquire({ command: 'winner' });

    // A slower taker read the stale content before the winner replaced it; now it acts on it.
    const slow = new FileLock(path) as unknown as { takeOver(raw: string): Promise<void> };
    await slow.takeOver(staleRaw);
    expect(await winner.isHeld()).toBe(true);
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ command: 'winner' });
  });

  it('never takes over a lock held on another host, even with a dead pid', async () => {
    const dir = await clusterDir();
    await new FileEventLog(dir).acquire({ command: 'setup' });
    const remote = {
      holder: 'ci@runner-7',
      pid: await deadPid(),
      host: 'runner-7',
      startedAt: 'then',
      command: 'apply',
    };
    await writeFile(join(dir, LOCK_FILE), JSON.stringify(remote));
    const error = await rejection(new FileEventLog(dir).acquire({ command: 'apply' }));
    expect(error.message).toContain('locked by ci@runner-7');
  });

  it('treats an unreadable lock as held, until it is old enough to be a crash leftover', async () => {
    const dir = await clusterDir();
    await new FileEventLog(dir).acquire({ command: 'setup' });
    const path = join(dir, LOCK_FILE);
    await writeFile(path, '');
    const error = await rejection(new FileEventLog(dir).acquire({ command: 'apply' }));
    expect(error.message).toMatch(/lock file is unreadable/);

    const old = new Date(Date.now() - 10 * 60_000);
    await utimes(path, old, old);
    await expect(new FileEventLog(dir).acquire({ command: 'apply' })).resolves.toBeDefined();
  });

  it('release removes the lock only while it is still ours', async () => {
    const dir = await clusterDir();
    const first = new FileEventLog(dir);
    const firstHandle = await first.acquire({ command: 'apply' });
    await first.breakLock();
    const second = new FileEventLog(dir);
    await second.acquire({ command: 'destroy' });

    await firstHandle.release();
    expect(await second.inspect()).toMatchObject({ command: 'destroy' });
    await expect(first.append([created()])).rejects.toThrow(/without holding its lock/);
    await second.append([created()]);
    expect((await second.read()).events).toHaveLength(1);
  });

  it('makes an append fail when the lock was broken meanwhile, writing nothing', async () => {
    const dir = await clusterDir();
    const log = new FileEventLog(dir);
    await log.acquire({ command: 'apply' });
    await log.append([created()]);
    await log.breakLock();
    const error = await rejection(log.append([created()]));
    expect(error.code).toBe('state.lock-held');
    expect(error.message).toMatch(/nothing was written/);
    expect((await log.read()).events).toHaveLength(1);
  });
});

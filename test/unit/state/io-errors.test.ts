/**
 * Issue 12 #9: a state directory hk8s may not write is exit 5 with a plain reason, not exit 1 with
 * a raw EACCES. The tests run as any user (root ignores permissions), so the file system answers
 * EACCES / EROFS through a mock for the paths under `denied`.
 */
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ExitCode, Hk8sError } from '../../../src/errors.js';
import { FileEventLog } from '../../../src/state/log-store.js';
import { created, fixedClock, tempDir } from './helpers.js';

const denied = { prefix: '', code: 'EACCES' };

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  const refuse = (path: unknown): void => {
    if (denied.prefix && String(path).startsWith(denied.prefix)) {
      throw Object.assign(new Error(`${denied.code}: refused, '${String(path)}'`), {
        code: denied.code,
        path,
      });
    }
  };
  const wrap =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      refuse(args[0]);
      return fn(...args);
    };
  return { ...actual, open: wrap(actual.open), mkdir: wrap(actual.mkdir), readFile: wrap(actual.readFile) };
});

async function failure(promise: Promise<unknown>): Promise<Hk8sError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(Hk8sError);
  expect((error as Hk8sError).exitCode).toBe(ExitCode.STATE_CORRUPT);
  return error as Hk8sError;
}

describe('a state directory hk8s may not use', () => {
  it.each([
    ['EACCES', /permission denied/],
    ['EROFS', /read-only/],
  ])('taking the lock under a %s directory is exit 5 with a plain reason', async (code, reason) => {
    const root = await tempDir();
    const dir = join(root, '.hk8s', 'demo');
    Object.assign(denied, { prefix: join(root, '.hk8s'), code });
    try {
      const error = await failure(new FileEventLog(dir).acquire({ command: 'apply' }));
      expect(error.code).toBe('state.write');
      expect(error.message).toMatch(reason);
      expect(error.message).not.toMatch(/EACCES|EROFS/);
      expect(error.where).toBe(dir);
    } finally {
      denied.prefix = '';
    }
  });

  it('reading a log hk8s may not read is exit 5', async () => {
    const dir = join(await tempDir(), '.hk8s', 'demo');
    const log = new FileEventLog(dir, { now: fixedClock() });
    await log.acquire({ command: 'test' });
    await log.append([created()]);
    Object.assign(denied, { prefix: dir, code: 'EACCES' });
    try {
      const error = await failure(new FileEventLog(dir).read());
      expect(error.message).toBe('cannot read the event log: permission denied');
    } finally {
      denied.prefix = '';
    }
  });
});

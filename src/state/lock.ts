/**
 * The writer lock of one cluster's log: a file created with O_EXCL holding who took it. A lock
 * left by a dead process on this host is taken over; a live or remote holder is reported.
 */
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { basename, dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Hk8sError } from '../errors.js';

export interface LockInfo {
  /** user@host */
  holder: string;
  pid: number;
  host: string;
  startedAt: string;
  command: string;
  run?: string;
}

export interface LockHandle {
  readonly info: LockInfo;
  /** Removes the lock if it is still ours (it may have been broken meanwhile). Idempotent. */
  release(): Promise<void>;
  /** Whether the lock on disk is still this one. */
  isHeld(): Promise<boolean>;
}

/** Unreadable locks older than this are taken to be left by a crash between create and write. */
const UNREADABLE_STALE_MS = 60_000;
const TAKEOVER_ATTEMPTS = 50;

interface LockFileContent {
  raw: string;
  info: LockInfo | undefined;
  mtime: Date;
}

export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Left by a process that no longer runs on this host. Remote holders are never stale. */
export function isLockStale(info: LockInfo): boolean {
  return info.host === hostname() && !isPidAlive(info.pid);
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}

export class FileLock {
  constructor(
    readonly path: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async acquire(request: { command: string; run?: string }): Promise<LockHandle> {
    const host = hostname();
    const info: LockInfo = {
      holder: `${currentUser()}@${host}`,
      pid: process.pid,
      host,
      startedAt: this.now().toISOString(),
      command: request.command,
      ...(request.run === undefined ? {} : { run: request.run }),
    };
    const raw = `${JSON.stringify(info)}\n`;
    let seen: LockFileContent | undefined;
    for (let attempt = 0; attempt < TAKEOVER_ATTEMPTS; attempt += 1) {
      if (await this.createExclusive(raw)) return this.handle(info, raw);
      seen = await this.readLock();
      if (!seen) continue; // released meanwhile
      if (!this.isStale(seen)) break;
      await this.takeOver(seen.raw);
    }
    throw this.heldError(seen);
  }

  async inspect(): Promise<LockInfo | undefined> {
    const content = await this.readLock();
    if (!content) return undefined;
    return content.info ?? unknownHolder(content.mtime);
  }

  /** Removes the lock whoever holds it (`hk8s state unlock`). Returns what it removed. */
  async breakLock(): Promise<LockInfo | undefined> {
    const content = await this.readLock();
    if (!content) return undefined;
    await unlinkIfExists(this.path);
    return content.info ?? unknownHolder(content.mtime);
  }

  private handle(info: LockInfo, raw: string): LockHandle {
    let released = false;
    const isHeld = async (): Promise<boolean> => !released && (await this.readLock())?.raw === raw;
    return {
      info,
      isHeld,
      release: async () => {
        if (released) return;
        if (await isHeld()) await unlinkIfExists(this.path);
        released = true;
      },
    };
  }

  private async createExclusive(raw: string): Promise<boolean> {
    let file;
    try {
      file = await open(this.path, 'wx', 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
    try {
      await file.writeFile(raw);
      await file.sync();
    } finally {
      await file.close();
    }
    return true;
  }

  private async readLock(): Promise<LockFileContent | undefined> {
    try {
      const [raw, stats] = await Promise.all([readFile(this.path, 'utf8'), stat(this.path)]);
      return { raw, info: parseLockInfo(raw), mtime: stats.mtime };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  private isStale(content: LockFileContent): boolean {
    if (content.info) return isLockStale(content.info);
    return this.now().getTime() - content.mtime.getTime() > UNREADABLE_STALE_MS;
  }

  /**
   * Removes a stale lock so that the caller can retry creating its own. Takers serialize on a
   * guard file, and a taker removes the lock only if it is still the stale one it saw, so two
   * takers cannot both succeed: the second finds the first one's live lock.
   */
  private async takeOver(staleRaw: string): Promise<void> {
    const guard = new FileLock(`${this.path}.takeover`, this.now);
    const guardInfo: LockInfo = {
      holder: `${currentUser()}@${hostname()}`,
      pid: process.pid,
      host: hostname(),
      startedAt: this.now().toISOString(),
      command: 'lock takeover',
    };
    const guardRaw = `${JSON.stringify(guardInfo)}\n`;
    if (!(await guard.createExclusive(guardRaw))) {
      const other = await guard.readLock();
      if (other && guard.isStale(other)) await unlinkIfExists(guard.path);
      else await sleep(5);
      return;
    }
    try {
      if ((await this.readLock())?.raw === staleRaw) await unlinkIfExists(this.path);
    } finally {
      await unlinkIfExists(guard.path);
    }
  }

  private heldError(content: LockFileContent | undefined): Hk8sError {
    const cluster = basename(dirname(this.path));
    const info = content?.info;
    const message = info
      ? `the state of cluster ${cluster} is locked by ${info.holder} (pid ${info.pid}, running '${info.command}'` +
        `${info.run ? `, run ${info.run}` : ''}) since ${info.startedAt}`
      : `the state of cluster ${cluster} is locked (the lock file is unreadable; written at ` +
        `${content?.mtime.toISOString() ?? 'an unknown time'})`;
    return new Hk8sError('state.lock-held', message, {
      where: this.path,
      hint: 'Wait for it to finish, or if you are sure it is dead or hung run `hk8s state unlock --force`',
    });
  }
}

function parseLockInfo(raw: string): LockInfo | undefined {
  try {
    const value = JSON.parse(raw) as Partial<LockInfo> | null;
    if (
      typeof value === 'object' &&
      value !== null &&
      typeof value.pid === 'number' &&
      typeof value.host === 'string' &&
      typeof value.holder === 'string' &&
      typeof value.startedAt === 'string' &&
      typeof value.command === 'string'
    ) {
      return value as LockInfo;
    }
  } catch {
    // an empty or half-written lock file
  }
  return undefined;
}

function unknownHolder(mtime: Date): LockInfo {
  return { holder: 'unknown', pid: 0, host: 'unknown', startedAt: mtime.toISOString(), command: 'unknown' };
}

async function unlinkIfExists(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

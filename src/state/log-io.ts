/**
 * The file-system side of the local event log: reads that also tell the file's identity, appends
 * that create the file 0600, durable directory entries, and I/O failures said plainly as hk8s
 * errors (a full disk or a permission is the environment's doing, not a bug).
 */
import { mkdir, open, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Hk8sError, isHk8sError } from '../errors.js';

/** What identifies one version of the file: a change of any of these means someone wrote it. */
export interface FileIdentity {
  size: number;
  mtimeMs: number;
  ino: number;
}

export const NO_FILE: FileIdentity = { size: 0, mtimeMs: 0, ino: 0 };

/** What the environment can do to a write, said plainly; anything else is quoted. */
const IO_REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exceeded',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EISDIR: 'it is a directory',
  ELOOP: 'a loop of symbolic links',
  EIO: 'an input/output error',
};

export function reasonOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const known = code === undefined ? undefined : IO_REASONS[code];
  if (known) return known;
  return error instanceof Error ? error.message : String(error);
}

/** A failed write (disk full, permissions) is the environment's doing, not a bug. */
export function writeFailed(path: string, error: unknown): Hk8sError {
  if (isHk8sError(error)) return error;
  return new Hk8sError('state.write', `could not write the event log: ${reasonOf(error)}`, {
    where: path,
    hint: 'Check the free space and permissions of that directory, then run the command again',
    cause: error,
  });
}

export function stateDirFailed(dir: string, error: unknown): Hk8sError {
  return new Hk8sError('state.write', `cannot write to the state directory: ${reasonOf(error)}`, {
    where: dir,
    hint: 'hk8s keeps its state there (lock and event log): make it writable for this user, or run hk8s from a writable directory',
    cause: error,
  });
}

export function readFailed(path: string, error: unknown): Hk8sError {
  if (isHk8sError(error)) return error;
  return new Hk8sError('state.write', `cannot read the event log: ${reasonOf(error)}`, {
    where: path,
    hint: 'Make the state directory readable for this user, then run the command again',
    cause: error,
  });
}

export async function readWithIdentity(path: string): Promise<{ bytes: Buffer; identity: FileIdentity }> {
  let file: FileHandle;
  try {
    file = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { bytes: Buffer.alloc(0), identity: NO_FILE };
    throw error;
  }
  try {
    const { size, mtimeMs, ino } = await file.stat();
    return { bytes: await file.readFile(), identity: { size, mtimeMs, ino } };
  } finally {
    await file.close();
  }
}

export async function identityIfExists(path: string): Promise<FileIdentity | undefined> {
  try {
    const { size, mtimeMs, ino } = await stat(path);
    return { size, mtimeMs, ino };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export async function lastByte(path: string, size: number): Promise<number | undefined> {
  const file = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(1), 0, 1, size - 1);
    return bytesRead === 1 ? buffer[0] : undefined;
  } finally {
    await file.close();
  }
}

/** Opens for appending, creating the file with mode 0600; says whether it was created. */
export async function openForAppend(path: string): Promise<{ file: FileHandle; created: boolean }> {
  try {
    return { file: await open(path, 'ax', 0o600), created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { file: await open(path, 'a', 0o600), created: false };
  }
}

/** One write call; loops only if the kernel writes less than asked. */
export async function writeAll(file: FileHandle, bytes: Buffer, position?: number): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const at = position === undefined ? null : position + offset;
    const { bytesWritten } = await file.write(bytes, offset, bytes.length - offset, at);
    offset += bytesWritten;
  }
}

/** Makes a new directory entry durable. Not possible on Windows, where it is skipped. */
export async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Creates the directory (and missing parents) with mode 0700 and makes the new entries durable. */
export async function ensureDir(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true, mode: 0o700 });
  if (first === undefined) return;
  const stop = dirname(first);
  for (let created = dir; created !== stop; created = dirname(created)) await fsyncDir(dirname(created));
}

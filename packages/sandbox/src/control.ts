/**
 * Running the sandbox as its own background process: start or reuse it, ask its status, stop it,
 * reset its world, read its request statistics. The process is found through `<stateDir>/sandbox.json`.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SandboxError } from './errors.js';
import { PACKAGE_ROOT } from './specs.js';
import { argsFromOptions, infoFile, readInfo, type SandboxProcessInfo } from './process-info.js';
import type { SandboxOptions } from './server.js';
import type { SandboxStats } from './stats.js';

export type EnsureOptions = Omit<SandboxOptions, 'stateDir' | 'hooks' | 'host'> & {
  /** How long to wait for the new process to answer its health check. Default 20 s. */
  startTimeoutMs?: number;
};

export interface EnsureResult {
  url: string;
  pid: number;
  /** False when an already running sandbox was reused. */
  started: boolean;
}

export interface SandboxStatus {
  running: boolean;
  url?: string;
  pid?: number;
  /** ISO time the process started listening. */
  since?: string;
}

const HEALTH_TIMEOUT_MS = 2000;

function controlUrl(info: SandboxProcessInfo, path: string): string {
  return new URL(`/_sandbox/${path}`, info.url).href;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The recorded process if it is alive and its health endpoint confirms it is that process. */
async function liveInfo(stateDir: string): Promise<SandboxProcessInfo | undefined> {
  const info = readInfo(stateDir);
  if (!info || !pidAlive(info.pid)) return undefined;
  try {
    const res = await fetch(controlUrl(info, 'health'), { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
    if (!res.ok) return undefined;
    const health = (await res.json()) as { pid?: number };
    return health.pid === info.pid ? info : undefined;
  } catch {
    return undefined;
  }
}

/** main.js next to this file; from source (tests) main.ts run through tsx. */
function entryPoint(): { args: string[]; cwd: string } {
  const self = import.meta.url;
  const fromSource = self.endsWith('.ts');
  const main = fileURLToPath(new URL(fromSource ? './main.ts' : './main.js', self));
  // `--import tsx` resolves from the working directory: use the package root, where node_modules is.
  const root = fileURLToPath(PACKAGE_ROOT);
  return { args: fromSource ? ['--import', 'tsx', main] : [main], cwd: root };
}

function logTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reuses a running sandbox for `stateDir`, or starts one in the background and waits until it answers. */
export async function ensureSandbox(stateDir: string, options: EnsureOptions = {}): Promise<EnsureResult> {
  const dir = resolve(stateDir);
  const running = await liveInfo(dir);
  if (running) return { url: running.url, pid: running.pid, started: false };

  mkdirSync(dir, { recursive: true, mode: 0o700 });
  rmSync(infoFile(dir), { force: true });
  const log = join(dir, 'sandbox.log');
  const { startTimeoutMs = 20_000, token, ...rest } = options;
  const entry = entryPoint();
  const logFd = openSync(log, 'a', 0o600);
  let exited: number | null | undefined;
  let child;
  try {
    const env = { ...process.env };
    if (token !== undefined) env['HK8S_SANDBOX_TOKEN'] = token;
    else delete env['HK8S_SANDBOX_TOKEN'];
    child = spawn(process.execPath, [...entry.args, ...argsFromOptions({ ...rest, stateDir: dir })], {
      cwd: entry.cwd,
      detached: true,
      stdio: ['ignore', logFd, logFd],
      env,
    });
  } finally {
    closeSync(logFd);
  }
  child.once('exit', (code) => {
    exited = code;
  });
  child.unref();
  const pid = child.pid;
  const deadline = Date.now() + startTimeoutMs;
  while (Date.now() < deadline && exited === undefined) {
    const info = await liveInfo(dir);
    if (info && info.pid === pid) return { url: info.url, pid: info.pid, started: true };
    await sleep(100);
  }
  if (exited === undefined && pid !== undefined) process.kill(pid, 'SIGKILL');
  throw new SandboxError('the sandbox did not start', {
    where: log,
    hint: `Read ${log} for the reason.`,
    detail: logTail(log),
  });
}

/** Stops the sandbox of `stateDir`. Returns false when none was running. */
export async function stopSandbox(stateDir: string, timeoutMs = 10_000): Promise<boolean> {
  const dir = resolve(stateDir);
  const info = await liveInfo(dir);
  if (!info) {
    rmSync(infoFile(dir), { force: true });
    return false;
  }
  process.kill(info.pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (pidAlive(info.pid) && Date.now() < deadline) await sleep(50);
  if (pidAlive(info.pid)) process.kill(info.pid, 'SIGKILL');
  rmSync(infoFile(dir), { force: true });
  return true;
}

export async function sandboxStatus(stateDir: string): Promise<SandboxStatus> {
  const info = await liveInfo(resolve(stateDir));
  return info ? { running: true, url: info.url, pid: info.pid, since: info.startedAt } : { running: false };
}

function notRunning(stateDir: string): SandboxError {
  return new SandboxError('the sandbox is not running', {
    where: stateDir,
    hint: 'Start it with `hk8s sandbox start`.',
  });
}

async function post(info: SandboxProcessInfo, path: string): Promise<unknown> {
  const res = await fetch(controlUrl(info, path), { method: 'POST', signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new SandboxError(`the sandbox answered ${res.status} to ${path}`);
  return res.json();
}

/** Empties the world. Works whether or not the sandbox runs (when stopped, its world files are removed). */
export async function resetSandbox(stateDir: string): Promise<void> {
  const dir = resolve(stateDir);
  const info = await liveInfo(dir);
  if (info) await post(info, 'reset');
  else for (const file of ['world.json', 'world.journal']) rmSync(join(dir, file), { force: true });
}

export async function sandboxStats(stateDir: string): Promise<SandboxStats> {
  const dir = resolve(stateDir);
  const info = await liveInfo(dir);
  if (!info) throw notRunning(dir);
  const res = await fetch(controlUrl(info, 'stats'), { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new SandboxError(`the sandbox answered ${res.status} to stats`);
  return (await res.json()) as SandboxStats;
}

/**
 * Running the built CLI (bin/run.js) the way a user does, in a temporary directory, against a
 * sandbox process of its own.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const CLI = resolve('bin/run.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Workspace {
  dir: string;
  env: NodeJS.ProcessEnv;
  run(...args: string[]): CliResult;
  /** Starts the CLI without waiting; for tests that kill it. */
  start(...args: string[]): ReturnType<typeof spawn>;
  writeSpec(text: string): void;
}

export function workspace(options: { sandboxDir: string; speed?: number; seedImages?: boolean }): Workspace {
  const dir = mkdtempSync(join(tmpdir(), 'hk8s-e2e-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HK8S_SANDBOX_DIR: options.sandboxDir,
    HK8S_SANDBOX_SPEED: String(options.speed ?? 0.01),
    // A new sandbox world has no Talos snapshots (a new project): the suites start with the seeded
    // ones, except those about building images.
    HK8S_SANDBOX_SEED_IMAGES: options.seedImages === false ? '0' : '1',
    CI: '1',
    NO_COLOR: '1',
    HCLOUD_TOKEN: '',
  };
  return {
    dir,
    env,
    run: (...args) => {
      const r = spawnSync(process.execPath, [CLI, ...args], {
        cwd: dir,
        env,
        encoding: 'utf8',
        timeout: 120_000,
      });
      return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
    },
    start: (...args) =>
      spawn(process.execPath, [CLI, ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] }),
    writeSpec: (text) => writeFileSync(join(dir, 'hk8s.yaml'), text),
  };
}

export function sandboxDirFor(name: string): string {
  return mkdtempSync(join(tmpdir(), `hk8s-sandbox-${name}-`));
}

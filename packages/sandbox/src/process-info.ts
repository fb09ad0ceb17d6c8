/** The sandbox process's command line and its `<stateDir>/sandbox.json`, shared by main.ts and control.ts. */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { rescuePortFromEnv } from './rescue/port.js';
import type { SandboxOptions } from './server.js';

export interface SandboxProcessInfo {
  pid: number;
  url: string;
  port: number;
  startedAt: string;
  options: Omit<SandboxOptions, 'hooks' | 'token'>;
}

const FLAGS = ['state-dir', 'port', 'speed', 'fault-rate', 'seed', 'rate-limit', 'rate-refill'] as const;
type Flag = (typeof FLAGS)[number];

function readFlags(argv: string[], env: NodeJS.ProcessEnv): Partial<Record<Flag, string>> {
  const values: Partial<Record<Flag, string>> = {};
  for (const flag of FLAGS) {
    const fromEnv = env[`HK8S_SANDBOX_${flag.toUpperCase().replace(/-/g, '_')}`];
    if (fromEnv !== undefined && fromEnv !== '') values[flag] = fromEnv;
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m || !FLAGS.includes(m[1] as Flag)) throw new Error(`unknown argument: ${arg}`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new Error(`missing value for --${m[1]}`);
    values[m[1] as Flag] = value;
  }
  return values;
}

function numberFlag(values: Partial<Record<Flag, string>>, flag: Flag): number | undefined {
  const raw = values[flag];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new Error(`--${flag} must be a number, got '${raw}'`);
  return n;
}

export function optionsFromArgs(argv: string[], env: NodeJS.ProcessEnv): SandboxOptions {
  const values = readFlags(argv, env);
  const stateDir = values['state-dir'];
  if (!stateDir) throw new Error('--state-dir (or HK8S_SANDBOX_STATE_DIR) is required');
  const limit = numberFlag(values, 'rate-limit');
  const refill = numberFlag(values, 'rate-refill');
  const options: SandboxOptions = { stateDir: resolve(stateDir) };
  const port = numberFlag(values, 'port');
  const speed = numberFlag(values, 'speed');
  const faultRate = numberFlag(values, 'fault-rate');
  const seed = numberFlag(values, 'seed');
  if (port !== undefined) options.port = port;
  if (speed !== undefined) options.speed = speed;
  if (faultRate !== undefined) options.faultRate = faultRate;
  if (seed !== undefined) options.seed = seed;
  if (limit !== undefined || refill !== undefined)
    options.rateLimit = { limit: limit ?? 3600, refillPerSecond: refill ?? 1 };
  if (env['HK8S_SANDBOX_TOKEN']) options.token = env['HK8S_SANDBOX_TOKEN'];
  // Environment only: a new world's Talos snapshots, and where rescue systems answer SSH.
  if (env['HK8S_SANDBOX_SEED_IMAGES'] === '1') options.seedImages = true;
  options.rescuePort = rescuePortFromEnv(env);
  return options;
}

export function writeInfo(file: string, info: SandboxProcessInfo): void {
  const temp = `${file}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(info, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, file);
}

/** The command-line flags main.ts understands for these options (the token goes by environment). */
export function argsFromOptions(options: Omit<SandboxOptions, 'hooks'>): string[] {
  const args = ['--state-dir', resolve(options.stateDir)];
  if (options.port !== undefined) args.push('--port', String(options.port));
  if (options.speed !== undefined) args.push('--speed', String(options.speed));
  if (options.faultRate !== undefined) args.push('--fault-rate', String(options.faultRate));
  if (options.seed !== undefined) args.push('--seed', String(options.seed));
  if (options.rateLimit !== undefined) {
    args.push(
      '--rate-limit',
      String(options.rateLimit.limit),
      '--rate-refill',
      String(options.rateLimit.refillPerSecond),
    );
  }
  return args;
}

export function infoFile(stateDir: string): string {
  return join(stateDir, 'sandbox.json');
}

/** The recorded process, or undefined when there is no (readable) sandbox.json. */
export function readInfo(stateDir: string): SandboxProcessInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(infoFile(stateDir), 'utf8')) as SandboxProcessInfo;
    return typeof info.pid === 'number' && typeof info.url === 'string' ? info : undefined;
  } catch {
    return undefined;
  }
}

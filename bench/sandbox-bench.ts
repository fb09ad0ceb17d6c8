/**
 * A sandbox process and a workspace for one benchmark: starts the built CLI against its own
 * sandbox in temporary directories, reads and resets the sandbox's request counters, and removes
 * everything on any way out (Ctrl-C and crashes included).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { msSince, quietEnv } from './support.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'bin', 'run.js');

export const CONTROL_PLANES = 3;

/** 3 control planes in fsn1, the workers split over two pools in fsn1 and nbg1, a Kube API load balancer. */
export function clusterSpec(servers: number, writer: string): string {
  const workers = servers - CONTROL_PLANES;
  const first = Math.ceil(workers / 2);
  const second = workers - first;
  const pools = [
    `    - { name: w-fsn, location: fsn1, type: cpx32, count: ${first}, labels: { tier: general } }`,
    ...(second > 0 ? [`    - { name: w-nbg, location: nbg1, type: cax21, count: ${second} }`] : []),
  ];
  return [
    `# ${servers} servers: ${CONTROL_PLANES} control planes and ${workers} workers (written by ${writer}).`,
    'cluster:',
    `  name: bench-${servers}`,
    'controlPlane:',
    '  pools:',
    `    - { name: cp, location: fsn1, type: cpx22, count: ${CONTROL_PLANES} }`,
    'workers:',
    '  pools:',
    ...pools,
    'loadBalancers:',
    '  kubeApi:',
    '    enabled: true',
    '',
  ].join('\n');
}

interface SandboxStats {
  requests: Record<string, Record<string, number>>;
  total: number;
  rateLimited?: number;
}

export interface StepFigures {
  /** Requests by operationId, all statuses together. */
  byOperation: Record<string, number>;
  total: number;
  /** Answers with status 429 (the sandbox's token bucket, no faults are injected here). */
  status429: number;
  /** Answers with any status >= 400, 429 included. */
  errors: number;
  ms: number;
}

/** Benches whose sandbox process may still run: stopped on any way out, Ctrl-C and crashes included. */
const live = new Set<Bench>();
process.once('exit', () => {
  for (const bench of live) bench.dispose();
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

export class Bench {
  constructor(readonly speed: string) {
    live.add(this);
    this.env = quietEnv({
      HK8S_SANDBOX_DIR: this.sandboxDir,
      HK8S_SANDBOX_SPEED: speed,
      CI: '1',
    });
  }

  readonly workDir = mkdtempSync(join(tmpdir(), 'hk8s-bench-ws-'));
  readonly sandboxDir = mkdtempSync(join(tmpdir(), 'hk8s-bench-sandbox-'));
  readonly env: NodeJS.ProcessEnv;

  /** Runs the built CLI in the workspace; throws on an exit code not in `ok`. */
  cli(
    args: string[],
    ok: number[] = [0],
    nodeArgs: string[] = [],
  ): { code: number; stdout: string; stderr: string; ms: number } {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [...nodeArgs, CLI, ...args], {
      cwd: this.workDir,
      env: this.env,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      timeout: 300_000,
    });
    const ms = msSince(start);
    const code = r.status ?? -1;
    if (!ok.includes(code)) {
      throw new Error(
        `hk8s ${args.join(' ')} exited ${code}:\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`,
      );
    }
    return { code, stdout: r.stdout, stderr: r.stderr, ms };
  }

  private origin(): string {
    const info = JSON.parse(readFileSync(join(this.sandboxDir, 'sandbox.json'), 'utf8')) as { url: string };
    return new URL(info.url).origin;
  }

  private async control(path: string, method = 'GET'): Promise<unknown> {
    const res = await fetch(`${this.origin()}/_sandbox/${path}`, {
      method,
      headers: { connection: 'close' },
    });
    if (!res.ok) throw new Error(`${method} /_sandbox/${path}: ${res.status}`);
    return res.json();
  }

  resetStats(): Promise<unknown> {
    return this.control('stats/reset', 'POST');
  }

  async figures(ms: number): Promise<StepFigures> {
    const stats = (await this.control('stats')) as SandboxStats;
    const byOperation: Record<string, number> = {};
    let status429 = 0;
    let errors = 0;
    for (const [operation, byStatus] of Object.entries(stats.requests)) {
      for (const [status, n] of Object.entries(byStatus)) {
        byOperation[operation] = (byOperation[operation] ?? 0) + n;
        if (status === '429') status429 += n;
        if (Number(status) >= 400) errors += n;
      }
    }
    return { byOperation, total: stats.total, status429, errors, ms: Math.round(ms) };
  }

  /** Stops the sandbox and removes both directories. Synchronous, so that it also works on exit. */
  dispose(): void {
    if (!live.delete(this)) return;
    try {
      this.cli(['sandbox', 'stop']);
    } catch (error) {
      // Do not hide the error that got us here; the sandbox process may have to be stopped by hand.
      console.error(`bench: could not stop the sandbox of ${this.sandboxDir}: ${String(error)}`);
    } finally {
      rmSync(this.workDir, { recursive: true, force: true });
      rmSync(this.sandboxDir, { recursive: true, force: true });
    }
  }
}

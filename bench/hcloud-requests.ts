/**
 * Hetzner requests per command. Run: `npx tsx bench/hcloud-requests.ts [sizes…]` (after `npm run build`).
 * For each cluster size (default 10 and 100 servers), against a fresh sandbox process (speed 0.01,
 * default rate limit of 3600 requests/hour), runs the built CLI as a user would: `plan` on an empty
 * project, `apply`, and a second `plan` that must find nothing to do. The sandbox's request counters
 * are reset before each step and read after it. Prints a table per size, then one JSON line per size.
 * Goals: plan costs one list request per resource kind whatever the size; no 429 at any step.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { msSince, quietEnv } from './support.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'bin', 'run.js');
const SPEED = '0.01';
const CONTROL_PLANES = 3;
const STEPS = ['plan', 'apply', 'replan'] as const;
type Step = (typeof STEPS)[number];

interface SandboxStats {
  requests: Record<string, Record<string, number>>;
  total: number;
  rateLimited?: number;
}

interface StepFigures {
  /** Requests by operationId, all statuses together. */
  byOperation: Record<string, number>;
  total: number;
  /** Answers with status 429 (the sandbox's token bucket, no faults are injected here). */
  status429: number;
  /** Answers with any status >= 400, 429 included. */
  errors: number;
  ms: number;
}

interface SizeResult {
  bench: 'hcloud.requests';
  servers: number;
  controlPlanes: number;
  workers: number;
  plannedActions: number;
  /** Planned actions by kind (create, apply-config, …): what the apply's wall time pays for. */
  plannedByKind: Record<string, number>;
  applySucceeded: boolean;
  replanNoChanges: boolean;
  steps: Record<Step, StepFigures>;
}

/** 3 control planes in fsn1, the workers split over two pools in fsn1 and nbg1, a Kube API load balancer. */
function specFor(servers: number): string {
  const workers = servers - CONTROL_PLANES;
  const first = Math.ceil(workers / 2);
  const second = workers - first;
  const pools = [
    `    - { name: w-fsn, location: fsn1, type: cpx32, count: ${first}, labels: { tier: general } }`,
    ...(second > 0 ? [`    - { name: w-nbg, location: nbg1, type: cax21, count: ${second} }`] : []),
  ];
  return [
    `# ${servers} servers: ${CONTROL_PLANES} control planes and ${workers} workers (written by bench/hcloud-requests.ts).`,
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

/** Benches whose sandbox process may still run: stopped on any way out, Ctrl-C and crashes included. */
const live = new Set<Bench>();
process.once('exit', () => {
  for (const bench of live) bench.dispose();
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

class Bench {
  constructor() {
    live.add(this);
  }

  readonly workDir = mkdtempSync(join(tmpdir(), 'hk8s-bench-ws-'));
  readonly sandboxDir = mkdtempSync(join(tmpdir(), 'hk8s-bench-sandbox-'));
  private readonly env = quietEnv({
    HK8S_SANDBOX_DIR: this.sandboxDir,
    HK8S_SANDBOX_SPEED: SPEED,
    CI: '1',
  });

  /** Runs the built CLI in the workspace; throws on an exit code not in `ok`. */
  cli(args: string[], ok: number[] = [0]): { code: number; stdout: string; ms: number } {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [CLI, ...args], {
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
    return { code, stdout: r.stdout, ms };
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
      console.error(
        `bench/hcloud-requests: could not stop the sandbox of ${this.sandboxDir}: ${String(error)}`,
      );
    } finally {
      rmSync(this.workDir, { recursive: true, force: true });
      rmSync(this.sandboxDir, { recursive: true, force: true });
    }
  }
}

async function measure(servers: number): Promise<SizeResult> {
  const bench = new Bench();
  try {
    writeFileSync(join(bench.workDir, 'hk8s.yaml'), specFor(servers));
    bench.cli(['sandbox', 'start', '--speed', SPEED]);

    await bench.resetStats();
    const plan = bench.cli(['plan', '--sandbox', '--json']);
    const { actions } = (JSON.parse(plan.stdout) as { graph: { actions: Array<{ kind: string }> } }).graph;
    const plannedByKind: Record<string, number> = {};
    for (const { kind } of actions) plannedByKind[kind] = (plannedByKind[kind] ?? 0) + 1;
    const planFigures = await bench.figures(plan.ms);

    await bench.resetStats();
    const apply = bench.cli(['apply', '--sandbox', '--auto-approve'], [0, 9]);
    const applyFigures = await bench.figures(apply.ms);

    await bench.resetStats();
    const replan = bench.cli(['plan', '--sandbox', '--detailed-exitcode'], [0, 2]);
    const replanFigures = await bench.figures(replan.ms);

    return {
      bench: 'hcloud.requests',
      servers,
      controlPlanes: CONTROL_PLANES,
      workers: servers - CONTROL_PLANES,
      plannedActions: actions.length,
      plannedByKind,
      applySucceeded: apply.code === 0,
      replanNoChanges: replan.code === 0,
      steps: { plan: planFigures, apply: applyFigures, replan: replanFigures },
    };
  } finally {
    bench.dispose();
  }
}

function printTable(result: SizeResult): void {
  const { steps } = result;
  const operations = [...new Set(STEPS.flatMap((s) => Object.keys(steps[s].byOperation)))].sort();
  const width = Math.max(24, ...operations.map((o) => o.length));
  const row = (label: string, cells: Array<string | number>) =>
    console.log(`  ${label.padEnd(width)} ${cells.map((c) => String(c).padStart(8)).join(' ')}`);
  console.log(
    `\n${result.servers} servers (${result.controlPlanes} control planes + ${result.workers} workers), ` +
      `sandbox speed ${SPEED}; ${result.plannedActions} planned actions (` +
      Object.entries(result.plannedByKind)
        .map(([kind, n]) => `${kind} ${n}`)
        .join(', ') +
      '):',
  );
  row('operation', ['plan', 'apply', 'replan']);
  for (const op of operations)
    row(
      op,
      STEPS.map((s) => steps[s].byOperation[op] ?? 0),
    );
  row(
    'total requests',
    STEPS.map((s) => steps[s].total),
  );
  row(
    '429 answers',
    STEPS.map((s) => steps[s].status429),
  );
  row(
    'other errors (>= 400)',
    STEPS.map((s) => steps[s].errors - steps[s].status429),
  );
  row(
    'wall time (ms)',
    STEPS.map((s) => steps[s].ms),
  );
  console.log(
    `  apply ${result.applySucceeded ? 'succeeded' : 'FAILED (exit 9)'}; second plan ` +
      `${result.replanNoChanges ? 'found no changes' : 'STILL HAS CHANGES'}; ` +
      `${(steps.apply.total / result.servers).toFixed(1)} apply requests per server.`,
  );
}

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist', 'commands'))) {
    console.error('bench/hcloud-requests: no dist/ yet; run `npm run build` first.');
    process.exit(1);
  }
  const sizes = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [10, 100];
  for (const size of sizes) {
    if (!Number.isInteger(size) || size <= CONTROL_PLANES || size > 100) {
      throw new Error(`a size must be an integer from ${CONTROL_PLANES + 1} to 100, got ${size}`);
    }
  }
  const results: SizeResult[] = [];
  for (const size of sizes) {
    const result = await measure(size);
    printTable(result);
    results.push(result);
  }
  for (const result of results) console.log(JSON.stringify(result));
}

await main();

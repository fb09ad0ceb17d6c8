/**
 * An apply's wall time against the lower bound of its own graph. Run:
 * `npx tsx bench/apply-bound.ts [workers] [speed] [parallelism…]` (after `npm run build`; defaults
 * 50, 0.25, then `10` and the default). For each parallelism a fresh sandbox process (the sandbox's
 * durations scaled by `speed`) gets a 3 + N cluster applied by the built CLI; from the event log:
 * - each action's measured duration d (ActionStarted → ActionSucceeded),
 * - the bound: max(the heaviest dependency chain by d, Σ d / parallelism) — no schedule of these
 *   actions with these durations and that many slots is shorter;
 * - the wall time (RunStarted → last action done) and its ratio to the bound: what the walker's
 *   order costs. Goal ≤ 1.1×.
 * It also prints the requests the sandbox served and how many it answered 429.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { quietEnv } from './support.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'bin', 'run.js');
const CLUSTER = 'bench-bound';

const args = process.argv.slice(2);
const workers = Number(args[0] ?? 50);
const speed = Number(args[1] ?? 0.25);
const parallelisms = args.length > 2 ? args.slice(2) : ['10', 'default'];

function spec(): string {
  return [
    `cluster: { name: ${CLUSTER} }`,
    'controlPlane:',
    '  pools: [{ name: cp, location: fsn1, type: cpx22, count: 3 }]',
    'workers:',
    `  pools: [{ name: w, location: fsn1, type: cpx32, count: ${workers} }]`,
    'loadBalancers: { kubeApi: { enabled: true } }',
    '',
  ].join('\n');
}

interface LoggedEvent {
  type: string;
  time: string;
  data: {
    action?: string;
    parallelism?: number;
    actions?: Array<{ id: string; dependsOn: string[] }>;
  };
}

export interface BoundResult {
  wallMs: number;
  boundMs: number;
  criticalPathMs: number;
  workMs: number;
  parallelism: number;
  actions: number;
}

/** The bound of a run from its log (pure; exported for its test). */
export function runBound(events: readonly LoggedEvent[]): BoundResult {
  const startedAt = events.findIndex((e) => e.type === 'RunStarted');
  const run = events[startedAt];
  if (!run?.data.actions) throw new Error('no RunStarted in the log');
  const starts = new Map<string, number>();
  const took = new Map<string, number>();
  let last = Date.parse(run.time);
  for (const e of events.slice(startedAt)) {
    const id = e.data.action;
    if (!id) continue;
    const at = Date.parse(e.time);
    if (e.type === 'ActionStarted') starts.set(id, at);
    if (e.type === 'ActionSucceeded') {
      took.set(id, at - (starts.get(id) ?? at));
      last = Math.max(last, at);
    }
  }
  // Chains end at the actions nothing depends on; the graph is listed in topological order.
  const chain = new Map<string, number>();
  for (const action of run.data.actions) {
    const before = Math.max(0, ...action.dependsOn.map((d) => chain.get(d) ?? 0));
    chain.set(action.id, before + (took.get(action.id) ?? 0));
  }
  const criticalPathMs = Math.max(0, ...chain.values());
  const workMs = [...took.values()].reduce((a, b) => a + b, 0);
  const parallelism = run.data.parallelism ?? 1;
  const boundMs = Math.max(criticalPathMs, workMs / parallelism);
  return {
    wallMs: last - Date.parse(run.time),
    boundMs,
    criticalPathMs,
    workMs,
    parallelism,
    actions: run.data.actions.length,
  };
}

function once(parallelism: string): void {
  const workDir = mkdtempSync(join(tmpdir(), 'hk8s-bench-bound-ws-'));
  const sandboxDir = mkdtempSync(join(tmpdir(), 'hk8s-bench-bound-sandbox-'));
  const env = quietEnv({ HK8S_SANDBOX_DIR: sandboxDir, HK8S_SANDBOX_SPEED: String(speed), CI: '1' });
  const cli = (argv: string[]) => {
    const r = spawnSync(process.execPath, [CLI, ...argv], {
      cwd: workDir,
      env,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      timeout: 3_600_000,
    });
    if (r.status !== 0)
      throw new Error(`hk8s ${argv.join(' ')} exited ${r.status}:\n${r.stderr.slice(-2000)}`);
    return r.stdout;
  };
  try {
    writeFileSync(join(workDir, 'hk8s.yaml'), spec());
    cli(['sandbox', 'start', '--speed', String(speed)]);
    cli([
      'apply',
      '--sandbox',
      '--auto-approve',
      ...(parallelism === 'default' ? [] : ['--parallelism', parallelism]),
    ]);
    const log = readFileSync(join(workDir, '.hk8s', CLUSTER, 'events.jsonl'), 'utf8');
    const events = log
      .split('\n')
      .filter((line) => line.endsWith('}'))
      .map((line) => JSON.parse(line) as LoggedEvent);
    const result = runBound(events);
    const stats = JSON.parse(cli(['sandbox', 'stats', '--json'])) as {
      requests: Record<string, Record<string, number>>;
      total: number;
    };
    const throttled = Object.values(stats.requests).reduce(
      (sum, byStatus) => sum + (byStatus['429'] ?? 0),
      0,
    );
    const ratio = result.wallMs / result.boundMs;
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    console.log(
      `3 + ${workers}, speed ${speed}, parallelism ${result.parallelism}${parallelism === 'default' ? ' (default)' : ''}: ` +
        `${result.actions} actions, wall ${s(result.wallMs)}, bound ${s(result.boundMs)} ` +
        `(critical path ${s(result.criticalPathMs)}, work ${s(result.workMs)} / ${result.parallelism}), ` +
        `ratio ${ratio.toFixed(3)}× (goal ≤ 1.1×); ${stats.total} requests, ${throttled} × 429`,
    );
    console.log(
      JSON.stringify({
        bench: 'apply-bound',
        workers,
        speed,
        ...result,
        ratio,
        requests: stats.total,
        throttled,
      }),
    );
  } finally {
    try {
      cli(['sandbox', 'stop']);
    } catch {
      // Already stopped, or never started: nothing to stop.
    }
    rmSync(workDir, { recursive: true, force: true });
    rmSync(sandboxDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const p of parallelisms) once(p);
}

/**
 * The rolling Talos upgrade's wall time against the lower bound its concurrency limits allow. Run:
 * `npx tsx bench/talos-upgrade.ts [workers] [maxUnavailable] [speed]` (after `npm run build`;
 * defaults 30, 5, 0.25). A fresh sandbox process runs a 3 + N cluster on v1.13.9 with the sandbox's
 * Talos durations (scaled by `speed`); the built CLI upgrades it to v1.13.10. The wall time is the
 * span of the upgrade in the event log (first health gate started → last gate done). Two lower
 * bounds, both for control planes one at a time and at most maxUnavailable workers at once:
 * - the scheduling bound, from the measured per-node step durations d: Σ d(control planes) +
 *   max(Σ d(workers) / maxUnavailable, max d(workers)) — no schedule within the limits is shorter;
 *   the ratio against it is what the orchestration (order, groups, gates) costs. Goal: ≤ 1.15×.
 * - the Talos bound: every step at the sandbox's install + reboot time, in 3 + ceil(N / maxUnavailable)
 *   waves; the ratio against it also counts the per-node overhead (drain, polls, the API calls).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { quietEnv } from './support.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'bin', 'run.js');
const CONTROL_PLANES = 3;
/** The sandbox's simulated Talos durations (packages/sandbox/src/talos/env.ts), in ms at speed 1. */
const TALOS_UPGRADE_MS = 45_000;
const TALOS_REBOOT_MS = 25_000;

const [workers = 30, maxUnavailable = 5, speed = 0.25] = process.argv.slice(2).map(Number);

function spec(version: string): string {
  return [
    'cluster: { name: bench-upgrade }',
    `talos: { version: ${version} }`,
    'controlPlane:',
    `  pools: [{ name: cp, location: fsn1, type: cpx22, count: ${CONTROL_PLANES} }]`,
    'workers:',
    '  pools:',
    `    - { name: w, location: fsn1, type: cpx32, count: ${workers}, upgrade: { maxUnavailable: ${maxUnavailable} } }`,
    'loadBalancers: { kubeApi: { enabled: true } }',
    '',
  ].join('\n');
}

const workDir = mkdtempSync(join(tmpdir(), 'hk8s-bench-upgrade-ws-'));
const sandboxDir = mkdtempSync(join(tmpdir(), 'hk8s-bench-upgrade-sandbox-'));
const env = quietEnv({ HK8S_SANDBOX_DIR: sandboxDir, HK8S_SANDBOX_SPEED: String(speed), CI: '1' });
let started = false;

function cli(args: string[]): string {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: workDir,
    env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 1_800_000,
  });
  if (r.status !== 0) {
    throw new Error(
      `hk8s ${args.join(' ')} exited ${r.status}:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-2000)}`,
    );
  }
  return r.stdout;
}

function cleanUp(): void {
  try {
    if (started) cli(['sandbox', 'stop']);
  } catch (error) {
    console.error(`bench/talos-upgrade: could not stop the sandbox of ${sandboxDir}: ${String(error)}`);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
    rmSync(sandboxDir, { recursive: true, force: true });
  }
}
process.once('exit', cleanUp);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

interface LoggedEvent {
  type: string;
  time: string;
  data: { action?: string };
}

function events(): LoggedEvent[] {
  const text = readFileSync(join(workDir, '.hk8s', 'bench-upgrade', 'events.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.endsWith('}'))
    .map((line) => JSON.parse(line) as LoggedEvent);
}

/** ms between the first start and the last success of actions matching `match`, in the last run. */
interface Span {
  ms: number;
  durations: number[];
  byNode: Map<string, number>;
}

function span(all: LoggedEvent[], match: (id: string) => boolean): Span {
  const lastRun = all.map((e) => e.type).lastIndexOf('RunStarted');
  const run = all.slice(lastRun);
  const starts = new Map<string, number>();
  const durations: number[] = [];
  const byNode = new Map<string, number>();
  let first = Infinity;
  let last = -Infinity;
  for (const e of run) {
    const id = e.data.action;
    if (!id || !match(id)) continue;
    const at = Date.parse(e.time);
    if (e.type === 'ActionStarted') {
      starts.set(id, at);
      first = Math.min(first, at);
    }
    if (e.type === 'ActionSucceeded') {
      last = Math.max(last, at);
      if (id.startsWith('upgrade:')) {
        durations.push(at - (starts.get(id) ?? at));
        byNode.set(id, at - (starts.get(id) ?? at));
      }
    }
  }
  return { ms: last - first, durations, byNode };
}

function main(): void {
  if (!existsSync(join(ROOT, 'dist', 'commands'))) {
    console.error('bench/talos-upgrade: no dist/ yet; run `npm run build` first.');
    process.exit(1);
  }
  writeFileSync(join(workDir, 'hk8s.yaml'), spec('v1.13.9'));
  cli(['sandbox', 'start', '--speed', String(speed)]);
  started = true;
  const created = Date.now();
  cli(['apply', '--sandbox', '--auto-approve']);
  const createMs = Date.now() - created;

  writeFileSync(join(workDir, 'hk8s.yaml'), spec('v1.13.10'));
  const applyStart = Date.now();
  cli(['apply', '--sandbox', '--auto-approve']);
  const applyMs = Date.now() - applyStart;
  const replan = spawnSync(process.execPath, [CLI, 'plan', '--sandbox', '--detailed-exitcode'], {
    cwd: workDir,
    env,
    encoding: 'utf8',
  });

  const all = events();
  const rolling = span(all, (id) => id.startsWith('upgrade:') || id.startsWith('wait:talos.gate.'));
  const perNodeMs = (TALOS_UPGRADE_MS + TALOS_REBOOT_MS) * speed;
  const waves = CONTROL_PLANES + Math.ceil(workers / Math.max(1, Math.min(maxUnavailable, workers)));
  const boundMs = waves * perNodeMs;
  const sorted = [...rolling.durations].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? NaN;
  const ratio = rolling.ms / boundMs;
  const cpMs = [...rolling.byNode].filter(([id]) => id.includes('.cp.')).reduce((sum, [, d]) => sum + d, 0);
  const workerMs = [...rolling.byNode].filter(([id]) => !id.includes('.cp.')).map(([, d]) => d);
  const k = Math.max(1, Math.min(maxUnavailable, workers));
  const schedulingMs = cpMs + Math.max(workerMs.reduce((a, b) => a + b, 0) / k, Math.max(0, ...workerMs));
  const schedulingRatio = rolling.ms / schedulingMs;

  console.log(
    `\n${CONTROL_PLANES} + ${workers} cluster, v1.13.9 → v1.13.10, maxUnavailable ${maxUnavailable}, ` +
      `sandbox speed ${speed} (a node's install ${TALOS_UPGRADE_MS / 1000} s + reboot ${TALOS_REBOOT_MS / 1000} s, scaled):`,
  );
  console.log(`  cluster created in                 ${(createMs / 1000).toFixed(1)} s`);
  console.log(`  upgrade apply (plan + run)         ${(applyMs / 1000).toFixed(1)} s`);
  console.log(`  rolling upgrade (gates + upgrades) ${(rolling.ms / 1000).toFixed(1)} s`);
  console.log(
    `  scheduling bound (measured steps)  ${(schedulingMs / 1000).toFixed(1)} s ` +
      `(control planes ${(cpMs / 1000).toFixed(1)} s + workers at ≤ ${k} at once)`,
  );
  console.log(`  ratio to the scheduling bound      ${schedulingRatio.toFixed(3)}× (goal ≤ 1.15×)`);
  console.log(
    `  Talos bound                        ${(boundMs / 1000).toFixed(1)} s ` +
      `(${waves} waves × ${(perNodeMs / 1000).toFixed(2)} s: ${CONTROL_PLANES} control planes, then ` +
      `${waves - CONTROL_PLANES} of ≤ ${maxUnavailable} workers)`,
  );
  console.log(
    `  per-node upgrade step, median      ${(median / 1000).toFixed(2)} s over ${sorted.length} nodes`,
  );
  console.log(`  ratio to the Talos bound           ${ratio.toFixed(3)}×`);
  console.log(
    `  next plan                          ${replan.status === 0 ? 'no changes' : 'STILL HAS CHANGES'}`,
  );
  console.log(
    JSON.stringify({
      bench: 'talos.rolling-upgrade',
      controlPlanes: CONTROL_PLANES,
      workers,
      maxUnavailable,
      speed,
      createMs,
      applyMs,
      rollingMs: rolling.ms,
      schedulingBoundMs: Math.round(schedulingMs),
      schedulingRatio: Number(schedulingRatio.toFixed(3)),
      talosBoundMs: boundMs,
      talosRatio: Number(ratio.toFixed(3)),
      medianNodeMs: median,
      nodes: sorted.length,
      nextPlanEmpty: replan.status === 0,
    }),
  );
  if (sorted.length !== CONTROL_PLANES + workers || replan.status !== 0) process.exitCode = 1;
}

main();

/**
 * `hk8s plan` of an applied cluster. Run: `npx tsx bench/plan-scale.ts [servers…]` (after
 * `npm run build`; default 10 100). For each size, a fresh sandbox (speed 0.001) gets the cluster
 * applied, then the built CLI plans it `RUNS` times: the median wall time (spawn to exit, CLI
 * start included) and the Hetzner requests of one plan, which must find no changes.
 * `HK8S_BENCH_CPU_PROF=<dir>` also writes a `--cpu-prof` profile of one more plan per size there.
 * Goals: no changes found; at most 20 Hetzner requests per plan; time is reported, not asserted.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench, clusterSpec, CONTROL_PLANES } from './sandbox-bench.js';
import { medianMs } from './support.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SPEED = '0.001';
const RUNS = Number(process.env['HK8S_BENCH_PLAN_RUNS'] ?? 5);
const REQUEST_GOAL = 20;

interface PlanResult {
  bench: 'plan.scale';
  servers: number;
  runs: number;
  medianMs: number;
  minMs: number;
  requests: number;
  byOperation: Record<string, number>;
  noChanges: boolean;
  applyMs: number;
}

async function measure(servers: number): Promise<PlanResult> {
  const bench = new Bench(SPEED);
  try {
    writeFileSync(join(bench.workDir, 'hk8s.yaml'), clusterSpec(servers, 'bench/plan-scale.ts'));
    bench.cli(['sandbox', 'start', '--speed', SPEED]);
    const apply = bench.cli(['apply', '--sandbox', '--auto-approve']);
    const samples: bigint[] = [];
    let requests = 0;
    let byOperation: Record<string, number> = {};
    let noChanges = true;
    for (let run = 0; run < RUNS; run++) {
      await bench.resetStats();
      const plan = bench.cli(['plan', '--sandbox', '--detailed-exitcode'], [0, 2]);
      const figures = await bench.figures(plan.ms);
      samples.push(BigInt(Math.round(plan.ms * 1e6)));
      requests = Math.max(requests, figures.total);
      byOperation = figures.byOperation;
      noChanges &&= plan.code === 0;
    }
    const profileDir = process.env['HK8S_BENCH_CPU_PROF'];
    if (profileDir) {
      mkdirSync(profileDir, { recursive: true });
      bench.cli(['plan', '--sandbox'], [0, 2], ['--cpu-prof', '--cpu-prof-dir', profileDir]);
    }
    const sorted = [...samples].sort((a, b) => (a < b ? -1 : 1));
    return {
      bench: 'plan.scale',
      servers,
      runs: RUNS,
      medianMs: Math.round(medianMs(samples)),
      minMs: Math.round(Number(sorted[0] ?? 0n) / 1e6),
      requests,
      byOperation,
      noChanges,
      applyMs: Math.round(apply.ms),
    };
  } finally {
    bench.dispose();
  }
}

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist', 'commands'))) {
    console.error('bench/plan-scale: no dist/ yet; run `npm run build` first.');
    process.exit(1);
  }
  const sizes = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [10, 100];
  for (const size of sizes) {
    if (!Number.isInteger(size) || size <= CONTROL_PLANES || size > 100) {
      throw new Error(`a size must be an integer from ${CONTROL_PLANES + 1} to 100, got ${size}`);
    }
  }
  const results: PlanResult[] = [];
  for (const size of sizes) {
    const r = await measure(size);
    results.push(r);
    console.log(
      `plan of an applied ${size}-server cluster: ${r.medianMs} ms median of ${r.runs} (min ${r.minMs} ms), ` +
        `${r.requests} Hetzner requests (goal <= ${REQUEST_GOAL}: ${r.requests <= REQUEST_GOAL ? 'met' : 'MISSED'}), ` +
        `${r.noChanges ? 'no changes' : 'CHANGES FOUND'}; apply took ${r.applyMs} ms`,
    );
  }
  for (const r of results) console.log(JSON.stringify(r));
  if (results.some((r) => !r.noChanges || r.requests > REQUEST_GOAL)) process.exitCode = 1;
}

await main();

/**
 * Before/after of `hk8s plan` on one applied cluster: `npx tsx bench/plan-ab.ts <other checkout> [servers]`.
 * Applies the cluster once with this checkout's CLI (sandbox speed 0.001), then plans it with both
 * CLIs in turn, `RUNS` times each, so that both see the same machine load. Prints the medians.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Bench, clusterSpec } from './sandbox-bench.js';
import { medianMs, msSince } from './support.js';

const other = resolve(process.argv[2] ?? '');
const servers = Number(process.argv[3] ?? 100);
const RUNS = Number(process.env['HK8S_BENCH_PLAN_RUNS'] ?? 5);
const clis = { other: join(other, 'bin', 'run.js'), this: resolve('bin', 'run.js') };

const bench = new Bench('0.001');
try {
  writeFileSync(join(bench.workDir, 'hk8s.yaml'), clusterSpec(servers, 'bench/plan-ab.ts'));
  bench.cli(['sandbox', 'start', '--speed', '0.001']);
  bench.cli(['apply', '--sandbox', '--auto-approve']);
  const samples: Record<keyof typeof clis, bigint[]> = { other: [], this: [] };
  for (let run = 0; run < RUNS; run++) {
    for (const [name, cli] of Object.entries(clis) as Array<[keyof typeof clis, string]>) {
      const start = process.hrtime.bigint();
      const r = spawnSync(process.execPath, [cli, 'plan', '--sandbox', '--detailed-exitcode'], {
        cwd: bench.workDir,
        env: bench.env,
        encoding: 'utf8',
      });
      const ms = msSince(start);
      if (r.status !== 0)
        throw new Error(`${name} plan exited ${r.status}: ${r.stdout.slice(-500)}${r.stderr.slice(-500)}`);
      samples[name].push(BigInt(Math.round(ms * 1e6)));
    }
  }
  const result = {
    bench: 'plan.ab',
    servers,
    runs: RUNS,
    otherMs: Math.round(medianMs(samples.other)),
    thisMs: Math.round(medianMs(samples.this)),
    other,
  };
  console.log(
    `plan of an applied ${servers}-server cluster, median of ${RUNS} interleaved: ${other} ${result.otherMs} ms, ` +
      `this checkout ${result.thisMs} ms (both found no changes)`,
  );
  console.log(JSON.stringify(result));
} finally {
  bench.dispose();
}

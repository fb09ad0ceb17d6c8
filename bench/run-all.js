#!/usr/bin/env node
/**
 * `npm run bench`: every benchmark in order (cold start, event-log replay, Hetzner requests, plan of
 * an applied cluster, the rolling Talos upgrade of a 3 + 30 cluster, a 3 + 50 apply against its bound, the sandbox's bytes written per request), each
 * with `npx tsx`, printing what it prints. Needs a build first (`npm run build`): the benchmarks time
 * the built bin/run.js. Exits 0 when every benchmark ran; otherwise 1, after running the rest.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, URL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const benchmarks = [
  'bench/cold-start.ts',
  'bench/replay.ts',
  'bench/hcloud-requests.ts',
  'bench/plan-scale.ts',
  'bench/talos-upgrade.ts',
  'bench/apply-bound.ts',
  'bench/sandbox-persist.ts',
];

if (!existsSync(new URL('../dist/commands', import.meta.url))) {
  console.error('npm run bench: no dist/ yet; run `npm run build` first.');
  process.exit(1);
}

const failed = [];
for (const script of benchmarks) {
  console.log(`\n=== ${script} ===`);
  const started = process.hrtime.bigint();
  const result = spawnSync('npx', ['tsx', script], { cwd: root, stdio: 'inherit' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status === 0) {
    console.log(`(${script} took ${seconds.toFixed(1)} s)`);
  } else {
    const why = result.error ? result.error.message : `exit ${result.status ?? result.signal}`;
    console.error(`${script} failed: ${why}`);
    failed.push(script);
  }
}

if (failed.length > 0) {
  console.error(`\n${failed.length} benchmark(s) failed: ${failed.join(', ')}`);
  process.exit(1);
}
console.log(`\nall ${benchmarks.length} benchmarks ran.`);

/**
 * Cold start of the built CLI. Run: `npx tsx bench/cold-start.ts [runs]` (after `npm run build`).
 * Times `node -e 0` (the floor no CLI can beat, measured in the same run) and two cheap commands of
 * the built `bin/run.js`, each spawned `runs` times (default 10) with the rounds interleaved so that
 * any drift of the machine hits every command alike. Prints a table, then one JSON line.
 * Goals: `--version` at most 2x node's own median (it is answered before the CLI framework loads),
 * `plan --help` at most 3x.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { medianMs, quietEnv } from './support.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Number(process.argv[2] ?? 10);

interface Subject {
  name: string;
  args: string[];
  /** At most this many times `node -e 0`. */
  goal: number;
}

const SUBJECTS: Subject[] = [
  { name: 'node -e 0', args: ['-e', '0'], goal: 1 },
  { name: 'hk8s --version', args: ['bin/run.js', '--version'], goal: 2 },
  { name: 'hk8s plan --help', args: ['bin/run.js', 'plan', '--help'], goal: 3 },
];

const env = quietEnv();

/** Nanoseconds from spawn to exit. A command that fails is not worth timing: stop. */
function timeOnce(subject: Subject): bigint {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, subject.args, { cwd: ROOT, env, encoding: 'utf8' });
  const elapsed = process.hrtime.bigint() - start;
  if (result.status !== 0) {
    throw new Error(
      `${subject.name} exited ${result.status ?? result.signal}: ${result.stderr.slice(0, 500)}`,
    );
  }
  return elapsed;
}

function main(): void {
  if (!existsSync(new URL('../dist/commands', import.meta.url))) {
    console.error('bench/cold-start: no dist/ yet; run `npm run build` first.');
    process.exit(1);
  }
  if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`runs must be a positive integer, got ${RUNS}`);

  // One unrecorded run each, so the first timed run does not pay for a cold file cache.
  for (const subject of SUBJECTS) timeOnce(subject);
  const samples = new Map<string, bigint[]>(SUBJECTS.map((s) => [s.name, []]));
  for (let round = 0; round < RUNS; round++) {
    for (const subject of SUBJECTS) samples.get(subject.name)?.push(timeOnce(subject));
  }

  const medians = SUBJECTS.map((s) => ({
    name: s.name,
    goal: s.goal,
    ms: medianMs(samples.get(s.name) ?? []),
  }));
  const baseline = medians[0]?.ms ?? NaN;
  const rows = medians.map((m) => ({ ...m, ratio: m.ms / baseline }));

  console.log(`cold start, median of ${RUNS} runs each (node ${process.version}):`);
  for (const row of rows) {
    const verdict =
      row.name === 'node -e 0'
        ? 'baseline'
        : row.ratio <= row.goal
          ? `ok (goal <= ${row.goal}x)`
          : `over goal (${row.goal}x)`;
    console.log(
      `  ${row.name.padEnd(18)} ${row.ms.toFixed(1).padStart(7)} ms  ${row.ratio.toFixed(2).padStart(5)}x  ${verdict}`,
    );
  }
  const result = {
    bench: 'cli.cold-start',
    runs: RUNS,
    node: process.version,
    nodeMs: round1(baseline),
    versionMs: round1(rows[1]?.ms ?? NaN),
    versionRatio: round2(rows[1]?.ratio ?? NaN),
    planHelpMs: round1(rows[2]?.ms ?? NaN),
    planHelpRatio: round2(rows[2]?.ratio ?? NaN),
    versionGoalRatio: 2,
    planHelpGoalRatio: 3,
  };
  console.log(JSON.stringify(result));
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const round2 = (n: number) => Math.round(n * 100) / 100;

main();

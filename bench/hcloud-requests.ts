/**
 * Hetzner requests per command. Run: `npx tsx bench/hcloud-requests.ts [sizes…]` (after `npm run build`).
 * For each cluster size (default 10 and 100 servers), against a fresh sandbox process (speed 0.01,
 * default rate limit of 3600 requests/hour), runs the built CLI as a user would: `plan` on an empty
 * project, `apply`, and a second `plan` that must find nothing to do. The sandbox's request counters
 * are reset before each step and read after it. Prints a table per size, then one JSON line per size.
 * Goals: plan costs one list request per resource kind whatever the size; no 429 at any step.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench, clusterSpec, CONTROL_PLANES, type StepFigures } from './sandbox-bench.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SPEED = '0.01';
const STEPS = ['plan', 'apply', 'replan'] as const;
type Step = (typeof STEPS)[number];

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

async function measure(servers: number): Promise<SizeResult> {
  const bench = new Bench(SPEED);
  try {
    writeFileSync(join(bench.workDir, 'hk8s.yaml'), clusterSpec(servers, 'bench/hcloud-requests.ts'));
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

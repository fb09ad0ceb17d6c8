/**
 * Fuzz of damaged plan files (issue 12 "Hostile input"): flipped bytes, cuts, and structural edits
 * of a real plan. Each either reads back as exactly the saved plan, or is a `plan.file` error
 * (exit 3) at the file; never another exception, and never a different plan.
 */
import { describe, expect, it } from 'vitest';
import { ExitCode, Hk8sError } from '../../src/errors.js';
import { assertPlanFresh, parsePlanFile, planDigest, serializePlan } from '../../src/plan/plan-file.js';
import type { Plan } from '../../src/plan/plan.js';
import { samplePlan } from '../support/plans.js';
import { flipByte, mutateStructure } from './mutate.js';
import { FUZZ_SEED, Prng, reportCases } from './prng.js';

const PATH = 'fuzz.plan';

function judge(original: Plan, text: string, what: string): 'same' | 'refused' {
  let plan: Plan;
  try {
    plan = parsePlanFile(text, PATH);
  } catch (error) {
    if (!(error instanceof Hk8sError)) {
      throw new Error(`${what}: not an hk8s error: ${error instanceof Error ? error.stack : String(error)}`);
    }
    expect(error.code, `${what}: ${error.oneLine()}`).toBe('plan.file');
    expect(error.exitCode, what).toBe(ExitCode.USAGE);
    expect(error.where, what).toBe(PATH);
    expect(error.oneLine(), what).not.toContain('\n');
    return 'refused';
  }
  // Whatever was read is the plan that was saved: nothing else can reach apply.
  expect(planDigest(plan), what).toBe(planDigest(original));
  expect(() => assertPlanFresh(plan, original, PATH), what).not.toThrow();
  return 'same';
}

describe(`fuzz: damaged plan files (seed ${FUZZ_SEED})`, () => {
  it('every damaged plan file is the saved plan or a plan-file error (exit 3)', () => {
    const prng = new Prng(FUZZ_SEED);
    const original = samplePlan();
    const text = serializePlan(original);
    const bytes = Buffer.from(text);
    const counts: Record<string, number> = {};
    const outcomes: Record<string, number> = {};
    const run = (kind: string, content: string, what: string): void => {
      const got = judge(original, content, `${kind}: ${what}`);
      counts[kind] = (counts[kind] ?? 0) + 1;
      outcomes[got] = (outcomes[got] ?? 0) + 1;
    };
    run('intact', text, 'as written');
    run('reformatted', JSON.stringify(JSON.parse(text)), 'without indentation');
    for (let i = 0; i < 200; i++) run('flipped-byte', flipByte(bytes, prng).toString('utf8'), `flip ${i}`);
    for (let i = 0; i < 100; i++) {
      const cut = prng.int(text.length);
      run('cut', text.slice(0, cut), `cut at ${cut}`);
    }
    for (let i = 0; i < 300; i++) {
      const mutated = mutateStructure(JSON.parse(text) as unknown, prng);
      run('structure', JSON.stringify(mutated.value), mutated.edit);
    }
    reportCases('plan file', counts, outcomes);
    expect(outcomes.refused).toBeGreaterThan(500);
  });
});

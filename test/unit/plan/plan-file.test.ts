/** Issue 12 #9: saved plans whose action list was emptied, fields nulled, or content edited. */
import { describe, expect, it } from 'vitest';
import { ExitCode, Hk8sError } from '../../../src/errors.js';
import { assertPlanFresh, parsePlanFile, serializePlan } from '../../../src/plan/plan-file.js';
import type { Plan } from '../../../src/plan/plan.js';
import { samplePlan } from '../../support/plans.js';

const PATH = 'saved.plan';

function thrown(run: () => unknown): Hk8sError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(Hk8sError);
  return caught as Hk8sError;
}

const edit = (change: (file: Record<string, unknown>) => void): string => {
  const file = JSON.parse(serializePlan(samplePlan())) as Record<string, unknown>;
  change(file);
  return JSON.stringify(file, null, 2);
};

describe('a saved plan file', () => {
  it('round-trips', () => {
    const plan = samplePlan();
    expect(plan.graph.actions.length).toBeGreaterThan(0);
    expect(parsePlanFile(serializePlan(plan), PATH)).toEqual(plan);
  });

  it.each([
    [
      'its action list emptied',
      (f: Record<string, unknown>) => ((f.graph as { actions: unknown[] }).actions = []),
    ],
    [
      'a changed server type',
      (f: Record<string, unknown>) => (f.summary = { ...(f.summary as object), create: 0 }),
    ],
    ['a changed inputs hash', (f: Record<string, unknown>) => (f.inputsHash = 'b'.repeat(64))],
  ])('with %s is reported as an edited plan file (exit 3), not as a stale plan', (_name, change) => {
    const error = thrown(() => parsePlanFile(edit(change), PATH));
    expect(error.code).toBe('plan.file');
    expect(error.exitCode).toBe(ExitCode.USAGE);
    expect(error.message).toMatch(/edited or damaged/);
    expect(error.where).toBe(PATH);
  });

  it.each([['cluster'], ['graph'], ['stateHead'], ['targets'], ['command'], ['inputsHash']])(
    '%s: null is a clear exit-3 error naming the field',
    (field) => {
      const error = thrown(() =>
        parsePlanFile(
          edit((f) => (f[field] = null)),
          PATH,
        ),
      );
      expect(error.code).toBe('plan.file');
      expect(error.message).toContain(field);
    },
  );

  it('without a digest (hand-written or older) is refused', () => {
    const error = thrown(() =>
      parsePlanFile(
        edit((f) => delete f.digest),
        PATH,
      ),
    );
    expect(error.message).toMatch(/no digest/);
  });

  it('whose digest was recomputed after emptying the actions still cannot apply the real change', () => {
    const saved: Plan = { ...samplePlan(), graph: { actions: [], groups: {} } };
    const error = thrown(() => assertPlanFresh(saved, samplePlan(), PATH));
    expect(error.code).toBe('plan.file');
    expect(error.message).toMatch(/actions in the plan file are not the ones/);
  });

  it('made from other inputs is stale (exit 7)', () => {
    const error = thrown(() => assertPlanFresh(samplePlan('old'), samplePlan('new'), PATH));
    expect(error.code).toBe('plan.stale');
    expect(error.message).toMatch(/the spec changed/);
  });
});

describe('the target a plan file carries', () => {
  const sandbox = { endpoint: 'sandbox', project: 'sandbox:1' };
  const hetzner = { endpoint: 'https://api.hetzner.cloud/v1', project: 'token:1' };
  const withTarget = (target?: Plan['target']): Plan => ({ ...samplePlan(), ...(target ? { target } : {}) });

  it.each([
    ['the same target', sandbox, sandbox, undefined],
    [
      'another endpoint',
      sandbox,
      hetzner,
      'made against sandbox (project sandbox:1), but this run uses https',
    ],
    ['another project', hetzner, { ...hetzner, project: 'token:2' }, 'project token:1), but this run uses'],
    ['a file from before targets were saved', undefined, hetzner, 'made against an unrecorded cloud'],
  ] as const)('%s', (_name, saved, now, message) => {
    const check = () => assertPlanFresh(withTarget(saved), withTarget(now), PATH);
    if (message === undefined) return expect(check).not.toThrow();
    const error = thrown(check);
    expect(error.code).toBe('plan.stale');
    expect(error.exitCode).toBe(ExitCode.STALE_PLAN);
    expect(error.message).toContain(message);
  });

  it('is part of the digest and of the checked shape', () => {
    const text = serializePlan(withTarget(sandbox));
    expect(parsePlanFile(text, PATH).target).toEqual(sandbox);
    const moved = text.replace('"endpoint": "sandbox"', '"endpoint": "https://api.hetzner.cloud/v1"');
    expect(thrown(() => parsePlanFile(moved, PATH)).message).toMatch(/does not match its digest/);
    const broken = text.replace('"endpoint": "sandbox"', '"endpoint": 7');
    expect(thrown(() => parsePlanFile(broken, PATH)).message).toMatch(/target.endpoint must be a string/);
  });
});

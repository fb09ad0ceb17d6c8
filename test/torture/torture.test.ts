/**
 * The torture suite (README "Development"): SIGKILL after event N of apply, destroy, a scale-down and a
 * rolling Talos upgrade of a 3 + 3 cluster, then one `hk8s resume`, and the end state compared
 * with a clean run's. CI tries a few kill points per scenario chosen by a fixed seed (and kills
 * one resume as well); `npm run torture` tries every event boundary (HK8S_TORTURE=all) or every
 * k-th (HK8S_TORTURE_STRIDE=k), from event HK8S_TORTURE_FROM on (default 1).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxDirFor, workspace, type Workspace } from '../support/cli.js';
import {
  SPEED,
  expectConverged,
  killPoints,
  reference,
  spec,
  tortured,
  type Reference,
  type Scenario,
} from './harness.js';

const APPLY = ['apply', '--sandbox', '--auto-approve'];
const SEED = Number(process.env.HK8S_TORTURE_SEED ?? 20261203);
const SAMPLE = Number(process.env.HK8S_TORTURE_SAMPLE ?? 2);
const FULL = process.env.HK8S_TORTURE === 'all' || process.env.HK8S_TORTURE_STRIDE !== undefined;

const SCENARIOS: Scenario[] = [
  { name: 'apply', prepare: [], spec: spec(), args: APPLY, exists: true },
  {
    name: 'destroy',
    prepare: [{ spec: spec(), args: APPLY }],
    spec: spec(),
    args: ['destroy', '--sandbox', '--auto-approve'],
    exists: false,
  },
  {
    name: 'scale-down 3 + 3 → 3 + 1',
    prepare: [{ spec: spec(), args: APPLY }],
    spec: spec({ workers: 1 }),
    args: APPLY,
    exists: true,
  },
  {
    name: 'rolling Talos upgrade v1.13.9 → v1.13.10',
    prepare: [{ spec: spec({ talos: 'v1.13.9' }), args: APPLY }],
    spec: spec(),
    args: APPLY,
    exists: true,
  },
];

// In CI, the scenarios after the first two sample one point each: the suite must stay short.
const sampleOf = (index: number) => (FULL ? SAMPLE : index < 2 ? SAMPLE : 1);

describe.each(SCENARIOS.map((s, i) => [s.name, s, i] as const))('torture: %s', (_name, scenario, index) => {
  const sandboxDir = sandboxDirFor('torture');
  let control: Workspace;
  let ref: Reference;

  beforeAll(async () => {
    control = workspace({ sandboxDir, speed: SPEED });
    expect(control.run('sandbox', 'start', '--speed', String(SPEED)).code).toBe(0);
    ref = await reference(sandboxDir, scenario);
    expect(ref.events).toBeGreaterThan(3);
  }, 600_000);

  afterAll(() => {
    control?.run('sandbox', 'stop');
  });

  it(
    'converges after SIGKILL at each chosen event boundary',
    async () => {
      // The last event is the run's end: a kill after it leaves nothing to resume.
      const points = killPoints(ref.events - 1, sampleOf(index), SEED + index);
      process.stdout.write(
        `torture ${scenario.name}: ${ref.events} events, killing at ${points.join(', ')}\n`,
      );
      for (const n of points) {
        const ws = await tortured(sandboxDir, scenario, n);
        await expectConverged(sandboxDir, ws, scenario, ref);
      }
      // Every boundary of a scenario takes about an hour on a loaded 2-core machine.
    },
    FULL ? 4 * 3_600_000 : 3_600_000,
  );

  it.runIf(index === 0)(
    'converges when the resume is killed too',
    async () => {
      const [n] = killPoints(ref.events - 1, 1, SEED + 100);
      const ws = await tortured(sandboxDir, scenario, n ?? 1, 3);
      await expectConverged(sandboxDir, ws, scenario, ref);
    },
    600_000,
  );
});

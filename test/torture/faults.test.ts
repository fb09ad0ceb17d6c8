/**
 * Faults (issue "Proof"): apply, a scale-down, a rolling upgrade and a destroy of a 3 + 3 cluster
 * while the sandbox injects every fault kind at a rate — 429, 5xx, answers lost after the work,
 * `locked`, `resource_unavailable` on server creates, actions that end in error. Each step either
 * converges or stops with a clear error that says to resume, and `hk8s resume` (the faults still on)
 * then converges; nothing is ever duplicated or left unlabelled. Every output of the whole story
 * is scanned for the cluster's secrets. CI runs one rate chosen by a fixed seed; `npm run
 * torture` runs 5%, 10% and 20%.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxDirFor, workspace, type CliResult, type Workspace } from '../support/cli.js';
import { sandboxOrigin, world } from '../support/sandbox-client.js';
import { Prng } from '../fuzz/prng.js';
import { CLUSTER, SPEED, normalisedInventory, spec } from './harness.js';
import { leakedIn, secretPieces } from './secrets.js';

const RATES = [0.05, 0.1, 0.2];
const FULL = process.env.HK8S_TORTURE === 'all';
const SEED = Number(process.env.HK8S_TORTURE_SEED ?? 20261203);
const forced = process.env.HK8S_FAULT_RATE ? [Number(process.env.HK8S_FAULT_RATE)] : undefined;
const chosen = forced ?? (FULL ? RATES : [new Prng(SEED).pick(RATES)]);
/** Resumes allowed under faults before a step counts as not converging. */
const MAX_RESUMES = 6;

async function configure(sandboxDir: string, body: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${sandboxOrigin(sandboxDir)}/_sandbox/config`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', connection: 'close' },
    body: JSON.stringify(body),
  });
  expect(response.ok).toBe(true);
}

describe.each(chosen)('faults at %s', (rate) => {
  const sandboxDir = sandboxDirFor(`faults-${rate}`);
  const outputs: string[] = [];
  let ws: Workspace;

  const run = (...args: string[]): CliResult => {
    const r = ws.run(...args);
    outputs.push(r.stdout, r.stderr);
    return r;
  };

  /** The step, then resumes while it stops with a resumable error. */
  const converge = (args: string[]): number => {
    let r = run(...args);
    let resumes = 0;
    while (r.code !== 0 && resumes < MAX_RESUMES) {
      const last = r.stderr.trim().split('\n').at(-1) ?? '';
      expect([8, 9, 10], `${args.join(' ')}: ${r.stdout.slice(-2000)}\n${r.stderr}`).toContain(r.code);
      expect(last, 'the error is one clear line').toMatch(/^Error: \S/);
      if (r.code === 9) expect(r.stderr).toContain('hk8s resume');
      r = run('resume', '--sandbox', '--auto-approve');
      resumes += 1;
    }
    const failures = r.stdout.split('\n').filter((line) => line.includes('✗'));
    expect(
      r.code,
      `${args.join(' ')} did not converge after ${resumes} resumes:\n${failures.join('\n')}\n${r.stderr}`,
    ).toBe(0);
    return resumes;
  };

  const settled = async (servers: number) => {
    const objects = await normalisedInventory(sandboxDir);
    expect(objects.filter((o) => o.startsWith('servers/'))).toHaveLength(servers);
    // Judged without faults: the plan itself must be empty, not merely fail.
    await configure(sandboxDir, { faultRate: 0 });
    const plan = run('plan', '--sandbox', '--detailed-exitcode');
    await configure(sandboxDir, { faultRate: rate });
    expect(plan.code, plan.stdout.slice(-2000)).toBe(0);
    expect(run('state', 'verify').code).toBe(0);
  };

  beforeAll(async () => {
    ws = workspace({ sandboxDir, speed: SPEED });
    expect(ws.run('sandbox', 'start', '--speed', String(SPEED), '--seed', String(SEED)).code).toBe(0);
    await configure(sandboxDir, { faultRate: rate, faultKinds: 'all' });
  });

  afterAll(() => {
    ws?.run('sandbox', 'stop');
  });

  it('apply, scale-down, upgrade and destroy converge or stop resumably, and never duplicate', async () => {
    const resumes: Record<string, number> = {};
    ws.writeSpec(spec({ talos: 'v1.13.9' }));
    resumes.apply = converge(['apply', '--sandbox', '--auto-approve']);
    await settled(6);
    ws.writeSpec(spec({ talos: 'v1.13.9', workers: 1 }));
    resumes.scaleDown = converge(['apply', '--sandbox', '--auto-approve']);
    await settled(4);
    ws.writeSpec(spec({ workers: 1 }));
    resumes.upgrade = converge(['apply', '--sandbox', '--auto-approve']);
    await settled(4);
    run('plan', '--sandbox', '--out', 'saved.plan');
    const log = join(ws.dir, '.hk8s', CLUSTER, 'events.jsonl');
    expect(statSync(log).mode & 0o777).toBe(0o600);
    const pieces = secretPieces(log);
    expect(pieces.length).toBeGreaterThan(10);

    resumes.destroy = converge(['destroy', '--sandbox', '--auto-approve']);
    expect(await normalisedInventory(sandboxDir)).toEqual([]);
    const dump = await world(sandboxDir);
    expect(Object.keys(dump.servers)).toEqual([]);
    process.stdout.write(`faults at ${rate}: resumes needed ${JSON.stringify(resumes)}\n`);

    const files = [readFileSync(join(ws.dir, 'saved.plan'), 'utf8')];
    const leaks = leakedIn([...outputs, ...files].join('\n'), pieces);
    expect(leaks.map((l) => `${l.slice(0, 12)}…`)).toEqual([]);
  }, 1_800_000);
});

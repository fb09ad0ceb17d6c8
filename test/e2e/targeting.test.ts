/**
 * Safe targeting through the built CLI: a cluster applied on one sandbox, then planned against the
 * same world through another endpoint, against a second sandbox (another project), against its own
 * sandbox after a reset (every recorded resource gone), with a renamed cluster.name, and a plan file
 * applied elsewhere. Each stops with its exit code before any request that changes anything (the
 * sandboxes' own request counters are the witness), and each flag lets it go on.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxDirFor, workspace, type CliResult, type Workspace } from '../support/cli.js';
import { mutatingOperations } from '../support/hcloud-operations.js';
import { resetStats, stats, world } from '../support/sandbox-client.js';

const SPEC = (name: string) => `cluster:
  name: ${name}
firewall:
  apiSources: [127.0.0.1/32]
controlPlane:
  pools:
    - { name: cp, location: fsn1, type: cpx22, count: 1 }
workers:
  pools:
    - { name: w, location: fsn1, type: cpx32, count: 1 }
`;

const first = sandboxDirFor('target-a');
const second = sandboxDirFor('target-b');
let ws: Workspace;
let other: Workspace;

beforeAll(() => {
  ws = workspace({ sandboxDir: first });
  other = workspace({ sandboxDir: second });
  for (const w of [ws, other]) expect(w.run('sandbox', 'start', '--speed', '0.01').code).toBe(0);
  ws.writeSpec(SPEC('aim'));
}, 120_000);

afterAll(() => {
  ws?.run('sandbox', 'stop');
  other?.run('sandbox', 'stop');
});

/** The built CLI in `ws`'s directory with some environment changed (another sandbox, another endpoint). */
function runWith(env: NodeJS.ProcessEnv, ...args: string[]): CliResult {
  const saved = { ...ws.env };
  Object.assign(ws.env, env);
  try {
    return ws.run(...args);
  } finally {
    for (const key of Object.keys(env)) delete ws.env[key];
    Object.assign(ws.env, saved);
  }
}

const events = () =>
  readFileSync(join(ws.dir, '.hk8s', 'aim', 'events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { type: string; data: Record<string, unknown> });

/** The sandbox's Hetzner API URL, for a run that reaches the same world without --sandbox. */
const apiUrl = (dir: string) =>
  (JSON.parse(readFileSync(join(dir, 'sandbox.json'), 'utf8')) as { url: string }).url;

async function nothingChanged(dir: string): Promise<void> {
  expect(mutatingOperations((await stats(dir)).requests)).toEqual([]);
}

describe('safe targeting', () => {
  it('the first apply records the sandbox as the target; the plan file carries it', () => {
    const applied = ws.run('apply', '--sandbox', '--auto-approve');
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const recorded = events().filter((e) => e.type === 'TargetRecorded');
    expect(recorded).toHaveLength(1);
    expect(recorded[0]?.data).toMatchObject({ endpoint: 'sandbox', cluster: 'aim', spec: 'hk8s.yaml' });
    expect(String(recorded[0]?.data.project)).toMatch(/^sandbox:[0-9a-f]{16}$/);
    const saved = ws.run('plan', '--sandbox', '--out', 'saved.plan', '--detailed-exitcode');
    expect(saved.code, saved.stderr).toBe(0);
    const file = JSON.parse(readFileSync(join(ws.dir, 'saved.plan'), 'utf8')) as { target: unknown };
    expect(file.target).toEqual({ endpoint: 'sandbox', project: recorded[0]?.data.project });
  }, 600_000);

  it('another endpoint: exit 13 naming both, before any change; --accept-endpoint goes on', async () => {
    await resetStats(first);
    const direct = { HK8S_SANDBOX: '', HCLOUD_ENDPOINT: apiUrl(first), HCLOUD_TOKEN: 'sandbox' };
    const plan = runWith(direct, 'plan');
    expect(plan.code, plan.stdout + plan.stderr).toBe(13);
    expect(plan.stderr).toContain(`endpoint sandbox, but this run uses ${apiUrl(first).replace(/\/+$/, '')}`);
    expect(plan.stderr).toContain('--accept-endpoint');
    expect(runWith(direct, 'apply', '--auto-approve').code).toBe(13);
    // A plan file made on the sandbox is refused on another endpoint: stale (exit 7).
    const file = runWith(direct, 'apply', 'saved.plan');
    expect(file.code, file.stderr).toBe(7);
    expect(file.stderr).toMatch(/the plan was made against sandbox .* but this run uses http/);
    await nothingChanged(first);
    // The same world through its URL (and the sandbox's token): everything is there, nothing to do.
    const accepted = runWith(direct, 'plan', '--accept-endpoint', '--detailed-exitcode');
    expect(accepted.code, accepted.stdout + accepted.stderr).toBe(0);
    // A plan only reads: the target is still the sandbox.
    expect(events().filter((e) => e.type === 'TargetRecorded')).toHaveLength(1);
  }, 300_000);

  it('a second sandbox is another project: exit 13, then the missing resources, then both flags', async () => {
    const elsewhere = { HK8S_SANDBOX_DIR: second };
    const plan = runWith(elsewhere, 'plan', '--sandbox');
    expect(plan.code, plan.stdout + plan.stderr).toBe(13);
    expect(plan.stderr).toMatch(
      /the state was made against project sandbox:\w+, but this run uses sandbox:\w+/,
    );
    const moved = runWith(elsewhere, 'plan', '--sandbox', '--accept-endpoint');
    expect(moved.code, moved.stderr).toBe(13);
    expect(moved.stderr).toMatch(/(\d+) of \1 recorded resources are not in the cloud \(/);
    expect(moved.stderr).toContain('--accept-missing');
    const both = runWith(
      elsewhere,
      'plan',
      '--sandbox',
      '--accept-endpoint',
      '--accept-missing',
      '--detailed-exitcode',
    );
    // Past the targeting checks; the next refusal is the planner's own: the only control plane
    // cannot be created again beside its recorded etcd (a fresh state is the way for a new world).
    expect(both.code, both.stderr).not.toBe(13);
    expect(both.stderr).not.toMatch(/the state was made against|not in the cloud/);
    await nothingChanged(second);
    expect(Object.keys((await world(second)).servers)).toEqual([]);
  }, 300_000);

  it('renaming cluster.name is refused at plan with exit 4, naming the field and the recorded name', () => {
    ws.writeSpec(SPEC('aim-renamed'));
    try {
      const plan = ws.run('plan', '--sandbox');
      expect(plan.code, plan.stdout + plan.stderr).toBe(4);
      expect(plan.stderr).toMatch(/hk8s\.yaml: cluster\.name: cluster\.name is "aim-renamed", but the state/);
      expect(plan.stderr).toContain('"aim"');
      expect(plan.stderr).toMatch(/destroy "aim" first|another directory/);
    } finally {
      ws.writeSpec(SPEC('aim'));
    }
  }, 120_000);

  it('a reset sandbox: every recorded resource is missing, exit 13; --accept-missing plans them again', async () => {
    expect(ws.run('sandbox', 'reset').code).toBe(0);
    await resetStats(first);
    const plan = ws.run('plan', '--sandbox');
    expect(plan.code, plan.stdout + plan.stderr).toBe(13);
    expect(plan.stderr).toMatch(/(\d+) of \1 recorded resources are not in the cloud \(firewall\.main, /);
    expect(ws.run('apply', '--sandbox', '--auto-approve').code).toBe(13);
    await nothingChanged(first);
    const accepted = ws.run('plan', '--sandbox', '--accept-missing', '--detailed-exitcode');
    expect(accepted.code, accepted.stderr).not.toBe(13);
    expect(accepted.stderr).not.toContain('not in the cloud');
    await nothingChanged(first);
  }, 300_000);
});

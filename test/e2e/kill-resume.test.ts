/**
 * kill -9 of `hk8s apply` at several moments, then `hk8s resume`: the sandbox must hold exactly the
 * expected objects — no duplicates, no unlabelled leftovers — with and without injected faults.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxDirFor, workspace, type Workspace } from '../support/cli.js';
import { inventory, world, type WorldDump } from '../support/sandbox-client.js';

const SPEC = readFileSync('test/fixtures/cluster-5-5.yaml', 'utf8');

const EXPECTED = {
  servers: 10,
  networks: 1,
  firewalls: 1,
  placement_groups: 3,
  ssh_keys: 1,
  load_balancers: 1,
};

interface KillPoint {
  name: string;
  /** True once the event log shows the moment to kill at. */
  reached(events: Array<{ type: string; data: { address?: string } }>): boolean;
}

const KILL_POINTS: KillPoint[] = [
  { name: 'before the first action', reached: (e) => e.some((x) => x.type === 'RunStarted') },
  {
    name: 'during a server create',
    reached: (e) => e.some((x) => x.type === 'ActionStarted' && x.data.address?.startsWith('server.')),
  },
  {
    name: 'after a server create',
    reached: (e) => e.some((x) => x.type === 'ActionSucceeded' && x.data.address?.startsWith('server.')),
  },
];

function readEvents(ws: Workspace) {
  const file = join(ws.dir, '.hk8s', 'e2e', 'events.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.endsWith('}'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as { type: string; data: { address?: string } }];
      } catch {
        return [];
      }
    });
}

async function applyAndKill(ws: Workspace, point: KillPoint): Promise<void> {
  const child = ws.start('apply', '--sandbox', '--auto-approve');
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let done = false;
  void exited.then(() => (done = true));
  while (!done && !point.reached(readEvents(ws))) await new Promise((r) => setTimeout(r, 2));
  if (done) throw new Error(`apply finished before the kill point "${point.name}":\n${output.slice(-2000)}`);
  child.kill('SIGKILL');
  await exited;
}

function expectExactly(dump: WorldDump) {
  const objects = inventory(dump);
  const counts = Object.fromEntries(
    Object.keys(EXPECTED).map((k) => [k, objects.filter((o) => o.kind === k).length]),
  );
  expect(counts).toEqual(EXPECTED);
  const names = objects.map((o) => `${o.kind}/${o.name}`);
  expect(new Set(names).size).toBe(names.length);
  for (const o of objects) {
    expect(o.labels['hk8s.io/cluster'], `${o.kind}/${o.name}`).toBe('e2e');
    expect(o.labels['hk8s.io/address'], `${o.kind}/${o.name}`).toBeTruthy();
  }
  const subnets = Object.values(dump.networks).flatMap((n) => n.subnets.map((s) => s.ip_range));
  expect(subnets.sort()).toEqual(['10.0.64.0/25', '10.0.64.128/25', '10.0.80.0/25', '10.0.80.128/25']);
}

describe.each([
  { faultRate: 0, speed: 0.05 },
  { faultRate: 0.1, speed: 0.05 },
])('kill -9 during apply, then resume (fault rate $faultRate)', ({ faultRate, speed }) => {
  const sandboxDir = sandboxDirFor(`kill-${faultRate}`);
  let control: Workspace;

  beforeAll(() => {
    control = workspace({ sandboxDir, speed });
    const started = control.run(
      'sandbox',
      'start',
      '--speed',
      String(speed),
      '--fault-rate',
      String(faultRate),
      '--seed',
      '7',
    );
    expect(started.code, started.stderr).toBe(0);
  });

  afterAll(() => {
    control?.run('sandbox', 'stop');
  });

  it.each(KILL_POINTS)('killed $name: resume converges with exactly the expected objects', async (point) => {
    expect(control.run('sandbox', 'reset').code).toBe(0);
    const ws = workspace({ sandboxDir, speed });
    ws.writeSpec(SPEC);
    await applyAndKill(ws, point);

    const refused = ws.run('apply', '--sandbox', '--auto-approve');
    expect(refused.code, refused.stderr).toBe(8);
    expect(refused.stderr).toContain('hk8s resume');

    const resumed = ws.run('resume', '--sandbox', '--auto-approve');
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expectExactly(await world(sandboxDir));

    const plan = ws.run('plan', '--sandbox', '--detailed-exitcode');
    expect(plan.code, plan.stdout).toBe(0);
    expect(ws.run('state', 'verify').code).toBe(0);
  });

  it('a plain apply converges too', async () => {
    expect(control.run('sandbox', 'reset').code).toBe(0);
    const ws = workspace({ sandboxDir, speed });
    ws.writeSpec(SPEC);
    const applied = ws.run('apply', '--sandbox', '--auto-approve');
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expectExactly(await world(sandboxDir));
    expect(ws.run('plan', '--sandbox', '--detailed-exitcode').code).toBe(0);
  });
});

/**
 * Signals as a person sends them: Ctrl-C in a real pseudo-terminal (where the live view is listr2's,
 * which would otherwise exit 127 on its own), and SIGHUP from a closed SSH session during destroy.
 * Each run is journaled as interrupted, exits 130, and `hk8s resume` completes it with a log that
 * verifies.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, sandboxDirFor, workspace, type Workspace } from '../support/cli.js';
import { inventory, world } from '../support/sandbox-client.js';

const SPEC = readFileSync('test/fixtures/cluster-3-2.yaml', 'utf8');
const sandboxDir = sandboxDirFor('interrupt-tty');
let ws: Workspace;

beforeAll(() => {
  ws = workspace({ sandboxDir });
  ws.writeSpec(SPEC);
  expect(ws.run('sandbox', 'start', '--speed', '0.01').code).toBe(0);
});

afterAll(() => {
  ws?.run('sandbox', 'stop');
});

type Event = { type: string; data: { address?: string; outcome?: string } };

function events(): Event[] {
  const file = join(ws.dir, '.hk8s', 'talos-e2e', 'events.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.endsWith('}'))
    .map((l) => JSON.parse(l) as Event);
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
}

/** The CLI under `script`, which gives it a pseudo-terminal; resolves to the node process's pid. */
function inTerminal(...args: string[]) {
  const { CI: _ci, NO_COLOR: _nc, ...env } = ws.env;
  const command = [process.execPath, CLI, ...args].map((a) => `'${a}'`).join(' ');
  const child = spawn('script', ['-qfec', `exec ${command}`, '/dev/null'], {
    cwd: ws.dir,
    env: { ...env, TERM: 'xterm' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const pid = async (): Promise<number> => {
    for (;;) {
      const found = spawnSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' }).stdout.trim();
      if (found) return Number(found.split('\n')[0]);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  return { exit, pid, output: () => output };
}

describe('signals from a terminal and a closed session', () => {
  it('Ctrl-C in a pseudo-terminal journals the run as interrupted and exits 130', async () => {
    const run = inTerminal('apply', '--sandbox', '--auto-approve');
    const pid = await run.pid();
    await until(() =>
      events().some((e) => e.type === 'ActionStarted' && e.data.address?.startsWith('server.')),
    );
    process.kill(pid, 'SIGINT');
    expect(await run.exit, run.output()).toBe(130);
    expect(events().at(-1)).toMatchObject({ type: 'RunFinished', data: { outcome: 'interrupted' } });
    const resumed = ws.run('resume', '--sandbox', '--auto-approve');
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(ws.run('state', 'verify').code).toBe(0);
    expect(ws.run('plan', '--sandbox', '--detailed-exitcode').code).toBe(0);
  });

  it('SIGHUP during destroy journals it as interrupted; resume finishes the destroy', async () => {
    const before = events().length;
    const child = ws.start('destroy', '--sandbox', '--auto-approve');
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await until(() =>
      events()
        .slice(before)
        .some((e) => e.type === 'ActionStarted'),
    );
    child.kill('SIGHUP');
    expect(await exit).toBe(130);
    expect(events().at(-1)).toMatchObject({ type: 'RunFinished', data: { outcome: 'interrupted' } });
    const resumed = ws.run('resume', '--sandbox', '--auto-approve');
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(ws.run('state', 'verify').code).toBe(0);
    const left = inventory(await world(sandboxDir)).filter(
      (o) => o.labels['hk8s.io/cluster'] === 'talos-e2e',
    );
    expect(left).toEqual([]);
  });
});

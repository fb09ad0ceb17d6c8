/**
 * Ctrl-C (SIGINT) during apply: no new action starts, running ones finish, the run is recorded as
 * interrupted, the process exits 130, and `hk8s resume` completes it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxDirFor, workspace, type Workspace } from '../support/cli.js';

const SPEC = readFileSync('test/fixtures/cluster-3-2.yaml', 'utf8');
const sandboxDir = sandboxDirFor('interrupt');
let ws: Workspace;

beforeAll(() => {
  ws = workspace({ sandboxDir, speed: 0.05 });
  ws.writeSpec(SPEC);
  expect(ws.run('sandbox', 'start', '--speed', '0.05').code).toBe(0);
});

afterAll(() => {
  ws?.run('sandbox', 'stop');
});

function eventTypes(): Array<{ type: string; data: { address?: string; outcome?: string } }> {
  const file = join(ws.dir, '.hk8s', 'talos-e2e', 'events.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.endsWith('}'))
    .map((l) => JSON.parse(l) as { type: string; data: { address?: string; outcome?: string } });
}

describe('Ctrl-C during apply', () => {
  it('stops launching, records the run as interrupted, exits 130, and resume completes it', async () => {
    const child = ws.start('apply', '--sandbox', '--auto-approve');
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    while (!eventTypes().some((e) => e.type === 'ActionStarted' && e.data.address?.startsWith('server.'))) {
      await new Promise((r) => setTimeout(r, 2));
    }
    child.kill('SIGINT');
    expect(await exit).toBe(130);
    expect(stderr).toContain('hk8s resume');

    const events = eventTypes();
    const started = events.filter((e) => e.type === 'ActionStarted').length;
    const ended = events.filter((e) =>
      ['ActionSucceeded', 'ActionFailed', 'ActionInterrupted'].includes(e.type),
    ).length;
    expect(ended).toBe(started);
    expect(events.some((e) => e.type === 'ActionSkipped')).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'RunFinished', data: { outcome: 'interrupted' } });

    expect(ws.run('apply', '--sandbox', '--auto-approve').code).toBe(8);
    const resumed = ws.run('resume', '--sandbox', '--auto-approve');
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(ws.run('plan', '--sandbox', '--detailed-exitcode').code).toBe(0);
    // Resume records what it found beside the interrupted run, never inside it: the log verifies.
    const verify = ws.run('state', 'verify');
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../../src/execute/events.js';
import type { Action } from '../../../src/plan/types.js';
import { lineView } from '../../../src/cli/render/progress-lines.js';
import { RunTally, duration } from '../../../src/cli/render/progress-tally.js';

const action = (kind: string, address: string): Action =>
  ({ id: `${kind}:${address}`, kind, address, dependsOn: [], reason: 'test' }) as unknown as Action;

const server = action('create', 'server.w.4');
const config = action('apply-config', 'talos.node.w.4');
const other = action('create', 'server.w.5');
const ACTIONS = [server, config, other];

function harness() {
  let clock = Date.UTC(2026, 11, 3, 10, 0, 0);
  const lines: string[] = [];
  const view = lineView((line) => lines.push(line), ACTIONS, {
    now: () => clock,
    timestamps: true,
    heartbeatMs: 30_000,
  });
  const emit = (event: EngineEvent) => view.sink(event);
  const advance = (ms: number) => {
    clock += ms;
  };
  return { lines, view, emit, advance };
}

describe('the line view', () => {
  it('counts n/N, times each action, names a skip by its blocker, and says a failure once', () => {
    const { lines, emit, advance } = harness();
    emit({ type: 'run-started', run: 'r1', command: 'apply', actions: ACTIONS });
    emit({ type: 'action-started', run: 'r1', action: server });
    emit({ type: 'action-started', run: 'r1', action: other });
    advance(2500);
    emit({ type: 'action-succeeded', run: 'r1', action: other, adopted: false });
    emit({
      type: 'action-failed',
      run: 'r1',
      action: server,
      error: { code: 'x', message: 'quota exceeded' },
    });
    emit({
      type: 'action-skipped',
      run: 'r1',
      action: config,
      reason: 'dependency-failed',
      dependency: server.id,
    });
    advance(61_000);
    emit({
      type: 'run-finished',
      run: 'r1',
      outcome: 'failed',
      counts: { succeeded: 1, failed: 1, skipped: 1 },
    });
    expect(lines).toEqual([
      '10:00:00 Run r1: 3 action(s).',
      '10:00:00 [0/3] → create server.w.4',
      '10:00:00 [0/3] → create server.w.5',
      '10:00:02 [1/3] ✔ create server.w.5 (2.5s)',
      '10:00:02 [2/3] ✖ create server.w.4 failed (2.5s); the reason is in the summary below',
      '10:00:02 [3/3] ↓ apply-config talos.node.w.4: skipped, create server.w.4 failed',
      '10:01:03 [3/3] done in 1m03s.',
    ]);
    expect(lines.join('\n')).not.toContain('quota exceeded');
  });

  it('writes a heartbeat after 30 s of silence naming what runs, and none while lines come', () => {
    const { lines, view, emit, advance } = harness();
    emit({ type: 'run-started', run: 'r1', command: 'apply', actions: ACTIONS });
    emit({ type: 'action-started', run: 'r1', action: server });
    advance(29_000);
    view.tick();
    expect(lines).toHaveLength(2);
    advance(1_000);
    view.tick();
    expect(lines[2]).toBe('10:00:30 [0/3] … still running: create server.w.4 30.0s; 30s elapsed');
    view.tick();
    expect(lines).toHaveLength(3);
    emit({ type: 'action-succeeded', run: 'r1', action: server, adopted: true });
    advance(40_000);
    view.tick();
    expect(lines.at(-1)).toBe('10:00:30 [1/3] ✔ create server.w.4 (adopted) (30.0s)');
  });
});

describe('RunTally', () => {
  it.each([
    ['interrupted', undefined, 'the run was interrupted'],
    ['dependency-failed', 'create:server.w.4', 'create server.w.4 failed'],
    ['dependency-failed', 'create:unknown.x', 'create:unknown.x failed'],
  ])('explains a skip (%s, %s)', (reason, dependency, expected) => {
    const tally = new RunTally(ACTIONS, () => 0);
    expect(tally.skipReason(reason, dependency)).toBe(expected);
  });

  it('names a blocker that was itself skipped', () => {
    const tally = new RunTally(ACTIONS, () => 0);
    tally.record({ type: 'action-skipped', run: 'r', action: server, reason: 'interrupted' });
    expect(tally.skipReason('dependency-failed', server.id)).toBe('create server.w.4 was skipped');
  });

  it.each([
    [0, '0s'],
    [59_999, '59s'],
    [60_000, '1m00s'],
    [3_725_000, '62m05s'],
  ])('duration(%i) is %s', (ms, text) => {
    expect(duration(ms)).toBe(text);
  });
});

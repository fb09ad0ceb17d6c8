import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { NewEvent, ResourceRecord } from '../../../src/state/events.js';
import { encodeEvents, EMPTY_HEAD } from '../../../src/state/log-format.js';
import type { StoredEvent } from '../../../src/state/events.js';

const made: string[] = [];

/** A fresh temp directory, removed after the test. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hk8s-state-test-'));
  made.push(dir);
  return dir;
}

afterEach(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A clock that ticks one second per call from a fixed instant. */
export function fixedClock(start = '2026-01-01T00:00:00.000Z'): () => Date {
  let now = Date.parse(start);
  return () => new Date((now += 1000));
}

export function resource(address: string, id = '1', attrs: Record<string, unknown> = {}): ResourceRecord {
  return { address, type: 'hcloud.server', id, attrs };
}

export const created = (cluster = 'demo'): NewEvent => ({
  type: 'LogCreated',
  run: null,
  data: { cluster, format: 1, hk8sVersion: '0.0.0-test' },
});

export function runStarted(
  run: string,
  actions: Array<[id: string, address: string, dependsOn?: string[]]>,
  command: 'apply' | 'resume' | 'destroy' = 'apply',
): NewEvent {
  return {
    type: 'RunStarted',
    run,
    data: {
      command,
      planHash: 'p',
      specHash: 's',
      parallelism: 2,
      hk8sVersion: '0.0.0-test',
      actions: actions.map(([id, address, dependsOn = []]) => ({ id, kind: 'create', address, dependsOn })),
    },
  };
}

export const started = (
  run: string,
  action: string,
  address: string,
  request: unknown = { n: 1 },
): NewEvent => ({
  type: 'ActionStarted',
  run,
  data: { action, kind: 'create', address, request },
});

export const succeeded = (
  run: string,
  action: string,
  address: string,
  record: ResourceRecord | null = resource(address),
): NewEvent => ({
  type: 'ActionSucceeded',
  run,
  data: { action, kind: 'create', address, resource: record },
});

export const failed = (run: string, action: string, address: string): NewEvent => ({
  type: 'ActionFailed',
  run,
  data: { action, kind: 'create', address, error: { code: 'boom', message: 'it failed', retryable: true } },
});

export const finished = (
  run: string,
  outcome: 'succeeded' | 'failed' | 'interrupted',
  counts: [number, number, number] = [0, 0, 0],
): NewEvent => ({
  type: 'RunFinished',
  run,
  data: { outcome, succeeded: counts[0], failed: counts[1], skipped: counts[2] },
});

/** Chains events in memory exactly as a store would (for reducer tests). */
export function chain(events: NewEvent[]): StoredEvent[] {
  return encodeEvents(EMPTY_HEAD, events, fixedClock()).stored;
}

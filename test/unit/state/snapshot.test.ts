import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileEventLog, clusterDir, findClusterDirs, openState } from '../../../src/state/log-store.js';
import { replay } from '../../../src/state/reducer.js';
import { SNAPSHOT_FILE, readSnapshot, writeSnapshot } from '../../../src/state/snapshot.js';
import { created, fixedClock, runStarted, started, succeeded, tempDir } from './helpers.js';

async function logWithSnapshot() {
  const dir = clusterDir(await tempDir(), 'demo');
  const log = new FileEventLog(dir, { now: fixedClock() });
  await log.acquire({ command: 'test' });
  await log.append([
    created(),
    runStarted('r1', [['a1', 'network.main']]),
    started('r1', 'a1', 'network.main'),
  ]);
  await writeSnapshot(dir, (await openState(log)).state);
  await log.append([succeeded('r1', 'a1', 'network.main')]);
  return { dir, log };
}

describe('openState with a snapshot', () => {
  it('starts from a matching snapshot and gets the same state as a full replay', async () => {
    const { dir } = await logWithSnapshot();
    const opened = await openState(dir);
    expect(opened.snapshotSeq).toBe(3);
    expect(opened.state).toEqual(replay(opened.events));
    expect(opened.state.head.seq).toBe(4);
    expect(opened.state.resources['network.main']).toBeDefined();
  });

  it('ignores a snapshot whose line no longer has the recorded hash (a replaced log)', async () => {
    const { dir } = await logWithSnapshot();
    const snapshot = JSON.parse(await readFile(join(dir, SNAPSHOT_FILE), 'utf8')) as {
      hash: string;
      state: { head: { hash: string } };
    };
    snapshot.hash = snapshot.state.head.hash = 'f'.repeat(64);
    await writeFile(join(dir, SNAPSHOT_FILE), JSON.stringify(snapshot));
    const opened = await openState(dir);
    expect(opened.snapshotSeq).toBeUndefined();
    expect(opened.state).toEqual(replay(opened.events));
  });

  it.each([
    ['not JSON', '{"seq":'],
    ['of another reducer version', JSON.stringify({ reducer: 999, seq: 1, hash: null, state: {} })],
    [
      'inconsistent with its own state',
      JSON.stringify({ reducer: 1, seq: 1, hash: 'x', state: { format: 1, head: { seq: 2 } } }),
    ],
  ])('ignores a snapshot that is %s', async (_name, text) => {
    const { dir } = await logWithSnapshot();
    await writeFile(join(dir, SNAPSHOT_FILE), text);
    expect(await readSnapshot(dir)).toBeUndefined();
    const opened = await openState(dir);
    expect(opened.snapshotSeq).toBeUndefined();
    expect(opened.state.head.seq).toBe(4);
  });
});

describe('cluster directories', () => {
  it('finds the clusters that have a log, by name', async () => {
    const root = await tempDir();
    for (const cluster of ['prod', 'dev']) {
      const log = new FileEventLog(clusterDir(root, cluster));
      await log.acquire({ command: 'test' });
      await log.append([created(cluster)]);
    }
    await mkdir(join(root, '.hk8s', 'empty'), { recursive: true });
    expect(await findClusterDirs(root)).toEqual([
      { cluster: 'dev', dir: join(root, '.hk8s', 'dev') },
      { cluster: 'prod', dir: join(root, '.hk8s', 'prod') },
    ]);
    expect(await findClusterDirs(join(root, 'nowhere'))).toEqual([]);
  });

  it.each(['', '..', 'a/b', '../x', '.hidden'])('refuses %j as a cluster directory name', (name) => {
    expect(() => clusterDir('/r', name)).toThrow(/not a valid cluster name/);
  });
});

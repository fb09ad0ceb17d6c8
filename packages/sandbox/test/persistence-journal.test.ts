import {
  appendFileSync,
  copyFileSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WorldStore } from '../src/store.js';
import type { World } from '../src/types.js';
import { createEmptyWorld } from '../src/world.js';
import { startTestSandbox, tempStateDir, type Json, type TestSandbox } from './helpers.js';

/** What a crash would leave: the files as they are now, copied before the sandbox closes (and compacts). */
function crashCopy(from: string): string {
  const to = tempStateDir();
  for (const file of ['world.json', 'world.journal']) copyFileSync(join(from, file), join(to, file));
  return to;
}

async function createServers(t: TestSandbox, count: number, prefix: string): Promise<Json[]> {
  const out: Json[] = [];
  for (let i = 0; i < count; i++) {
    const res = await t.api.post('/servers', {
      name: `${prefix}-${i}`,
      server_type: 'cpx11',
      image: 'debian-13',
    });
    expect(res.status).toBe(201);
    out.push(res.body);
  }
  return out;
}

// Actions stay running (create: 800 s), so no action finishes between the requests of a test.
const slow = { speed: 100, rateLimit: { limit: 5000, refillPerSecond: 0.0001 } };

describe('world journal', () => {
  it('appends only the changes: world.json stays, a crash copy restores servers, actions, counters, rate', async () => {
    const dir = tempStateDir();
    const copies: string[] = [];
    try {
      const t = await startTestSandbox({ stateDir: dir, ...slow });
      try {
        await createServers(t, 3, 'base');
        const before = statSync(join(dir, 'world.json'));
        const stats0 = (await t.control('GET', 'persistence')) as Json;
        const created = await createServers(t, 5, 'more');
        await t.api.put(`/servers/${created[1].server.id}`, { name: 'renamed' });
        const stats1 = (await t.control('GET', 'persistence')) as Json;
        expect(stats1.snapshots).toBe(stats0.snapshots);
        expect(stats1.appends).toBe(stats0.appends + 6);
        const after = statSync(join(dir, 'world.json'));
        expect(after.mtimeMs).toBe(before.mtimeMs);
        expect(after.size).toBe(before.size);
        expect(statSync(join(dir, 'world.journal')).mode & 0o777).toBe(0o600);

        const world = (await t.control('GET', 'world')) as Json;
        copies.push(crashCopy(dir));
        const second = await startTestSandbox({ stateDir: copies[0], ...slow });
        try {
          const restored = (await second.control('GET', 'world')) as Json;
          expect(restored.counters).toEqual(world.counters);
          expect(restored.rate).toEqual(world.rate);
          expect(Object.keys(restored.servers)).toEqual(Object.keys(world.servers));
          expect(restored.servers[created[1].server.id].name).toBe('renamed');
          for (const id of Object.keys(world.actions)) {
            expect(restored.actions[id].started).toBe(world.actions[id].started);
            expect(restored.actions[id].command).toBe(world.actions[id].command);
          }
        } finally {
          await second.close();
        }
      } finally {
        await t.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      for (const c of copies) rmSync(c, { recursive: true, force: true });
    }
  });

  it('keeps a deleted server deleted, ignores a torn last line and compacts on close', async () => {
    const dir = tempStateDir();
    const copies: string[] = [];
    try {
      const t = await startTestSandbox({ stateDir: dir });
      const [a, b] = await createServers(t, 2, 'del');
      await t.api.settle(a);
      await t.api.settle(b);
      await t.api.settle((await t.api.delete(`/servers/${b.server.id}`)).body);
      copies.push(crashCopy(dir));
      const journal = readFileSync(join(dir, 'world.journal'), 'utf8');
      expect(journal.split('\n').length).toBeGreaterThan(3);
      await t.close();
      expect(readFileSync(join(dir, 'world.journal'), 'utf8')).toBe('');
      const compacted = JSON.parse(readFileSync(join(dir, 'world.json'), 'utf8')) as Json;
      expect(Object.keys(compacted.servers)).toEqual([String(a.server.id)]);

      // crash mid-append: half a line at the end
      const torn = copies[0] as string;
      appendFileSync(join(torn, 'world.journal'), '{"records":{"servers":{"1":{"id":1,"na');
      for (const stateDir of [dir, torn]) {
        const again = await startTestSandbox({ stateDir });
        try {
          expect((await again.api.get(`/servers/${b.server.id}`)).status).toBe(404);
          expect((await again.api.get(`/servers/${a.server.id}`)).body.server.status).toBe('running');
          expect((await again.api.get('/servers')).body.servers).toHaveLength(1);
        } finally {
          await again.close();
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      for (const c of copies) rmSync(c, { recursive: true, force: true });
    }
  });

  it('writes a few KiB per request with 300 servers, and compacts past the threshold', async () => {
    const t = await startTestSandbox({ ...slow, compactJournalAfterBytes: 512 * 1024 });
    try {
      await createServers(t, 300, 'many');
      const snapshot = statSync(join(t.dir, 'world.json')).size;
      expect(snapshot).toBeGreaterThan(300 * 1000);
      const start = (await t.control('GET', 'persistence')) as Json;
      expect(start.snapshots).toBeGreaterThan(1); // 300 creates journal more than 512 KiB
      await createServers(t, 10, 'probe');
      await t.api.get('/servers?per_page=50');
      const end = (await t.control('GET', 'persistence')) as Json;
      expect(end.appends - start.appends).toBe(11);
      const perRequest = (end.appendedBytes - start.appendedBytes) / 11;
      expect(perRequest).toBeLessThan(4 * 1024);
      expect(perRequest * 50).toBeLessThan(snapshot);
      expect(end.journalBytes).toBeLessThanOrEqual(512 * 1024);
    } finally {
      await t.close();
    }
  });
});

describe('WorldStore', () => {
  function world(): World {
    const w = createEmptyWorld(1_000_000, 3600, 42, true);
    w.ssh_keys[1] = {
      id: 1,
      name: 'k',
      labels: {},
      created: 'x',
      fingerprint: 'f',
      public_key: 'p',
    } as never;
    return w;
  }

  it('replays in order; a journal of an older epoch is ignored; damage fails loudly', () => {
    const dir = tempStateDir();
    try {
      const store = new WorldStore(dir);
      const w = world();
      store.save(w); // the first save is a snapshot
      w.rate.tokens = 7;
      store.save(w);
      delete w.ssh_keys[1];
      w.ssh_keys[2] = { id: 2, name: 'k2' } as never;
      store.save(w);
      store.save(w); // nothing changed: nothing written
      expect(store.stats()).toMatchObject({ snapshots: 1, appends: 2 });
      expect(new WorldStore(dir).load()).toEqual(JSON.parse(JSON.stringify(w)));

      const journal = readFileSync(join(dir, 'world.journal'), 'utf8');
      const lines = journal.trimEnd().split('\n');
      writeFileSync(join(dir, 'world.journal'), [lines[0], '{"records":', lines[2]].join('\n') + '\n');
      expect(() => new WorldStore(dir).load()).toThrow(/world\.journal is damaged at line 2/);
      writeFileSync(join(dir, 'world.journal'), [lines[0], '{"oops":1}', ''].join('\n'));
      expect(() => new WorldStore(dir).load()).toThrow(/damaged at line 2 \(unknown key oops\)/);

      // an old journal next to a newer snapshot (a crash between the two steps of a compaction)
      store.compact(w);
      writeFileSync(join(dir, 'world.journal'), journal);
      expect(new WorldStore(dir).load()).toEqual(JSON.parse(JSON.stringify(w)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('loads a format-1 world.json of before the journal, and rewrites it whole in full mode', () => {
    const dir = tempStateDir();
    try {
      mkdirSync(dir, { recursive: true });
      const w = world();
      writeFileSync(join(dir, 'world.json'), JSON.stringify(w));
      expect(new WorldStore(dir).load()).toEqual(w);
      const full = new WorldStore(dir, { mode: 'full' });
      full.save(w);
      w.rate.tokens = 1;
      full.save(w);
      expect(full.stats()).toMatchObject({ snapshots: 2, appends: 0 });
      expect(JSON.parse(readFileSync(join(dir, 'world.json'), 'utf8'))).toEqual(w);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

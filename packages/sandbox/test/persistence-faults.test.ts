import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PowerEvent, SimServerInfo } from '../src/hooks.js';
import { fakeEd25519Key, startTestSandbox, tempStateDir, type Json } from './helpers.js';

describe('persistence', () => {
  it('keeps the world, counters, running actions and the rate bucket across a restart', async () => {
    const dir = tempStateDir();
    try {
      const options = { stateDir: dir, speed: 0.1, rateLimit: { limit: 5000, refillPerSecond: 0.0001 } };
      const first = await startTestSandbox(options);
      const key = (await first.api.post('/ssh_keys', { name: 'keep', public_key: fakeEd25519Key(7) })).body
        .ssh_key;
      const created = (
        await first.api.post('/servers', { name: 'keep-1', server_type: 'cpx11', image: 'debian-13' })
      ).body;
      const remainingBefore = Number((await first.api.get('/locations')).headers.get('ratelimit-remaining'));
      await first.close();

      const file = join(dir, 'world.json');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const onDisk = JSON.parse(readFileSync(file, 'utf8')) as Json;
      expect(Object.keys(onDisk.servers)).toEqual([String(created.server.id)]);

      const second = await startTestSandbox(options);
      try {
        const server = (await second.api.get(`/servers/${created.server.id}`)).body.server;
        expect(server.public_net.ipv4.ip).toBe(created.server.public_net.ipv4.ip);
        expect((await second.api.get(`/ssh_keys/${key.id}`)).body.ssh_key.fingerprint).toBe(key.fingerprint);
        const action = (await second.api.get(`/actions/${created.next_actions[0].id}`)).body.action;
        expect(action.started).toBe(created.next_actions[0].started);
        await second.api.settle(created);
        expect((await second.api.get(`/servers/${created.server.id}`)).body.server.status).toBe('running');
        const another = (
          await second.api.post('/servers', { name: 'keep-2', server_type: 'cpx11', image: 'debian-13' })
        ).body;
        expect(another.server.id).toBeGreaterThan(created.server.id);
        expect(another.server.public_net.ipv4.ip).not.toBe(created.server.public_net.ipv4.ip);
        const remainingAfter = Number(
          (await second.api.get('/locations')).headers.get('ratelimit-remaining'),
        );
        expect(remainingAfter).toBeLessThan(remainingBefore);
        expect(remainingAfter).toBeGreaterThan(4000);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('calls hooks for created, powered, deleted and restored servers', async () => {
    const dir = tempStateDir();
    const seen: string[] = [];
    const hooks = {
      onServerCreated: (s: SimServerInfo, restored: boolean) => {
        seen.push(
          `created ${s.name} ${s.publicIpv4 === null ? 'no-ip' : 'ip'} ${restored ? 'restored' : 'new'}`,
        );
      },
      onServerDeleted: (s: SimServerInfo) => {
        seen.push(`deleted ${s.name}`);
      },
      onServerPower: (s: SimServerInfo, event: PowerEvent) => {
        seen.push(`power ${s.name} ${event}`);
      },
    };
    try {
      const first = await startTestSandbox({ stateDir: dir, hooks });
      const a = (
        await first.api.post('/servers', { name: 'hook-a', server_type: 'cpx11', image: 'debian-13' })
      ).body;
      const b = (
        await first.api.post('/servers', { name: 'hook-b', server_type: 'cpx11', image: 'debian-13' })
      ).body;
      await first.api.settle(a);
      await first.api.settle(b);
      await first.api.settle((await first.api.post(`/servers/${b.server.id}/actions/reboot`)).body);
      await first.api.settle((await first.api.delete(`/servers/${b.server.id}`)).body);
      await first.close();
      const second = await startTestSandbox({ stateDir: dir, hooks });
      await second.close();
      const of = (name: string) => seen.filter((e) => e.split(' ')[1] === name);
      expect(of('hook-a')).toEqual([
        'created hook-a ip new',
        'power hook-a on',
        'created hook-a ip restored',
        'power hook-a on',
      ]);
      expect(of('hook-b')).toEqual([
        'created hook-b ip new',
        'power hook-b on',
        'power hook-b reboot',
        'deleted hook-b',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('empties the world on reset and dumps it for tests', async () => {
    const t = await startTestSandbox();
    try {
      await t.api.post('/servers', { name: 'gone', server_type: 'cpx11', image: 'debian-13' });
      expect(Object.keys((await t.control('GET', 'world')).servers)).toHaveLength(1);
      expect((await t.control('POST', 'reset')).ok).toBe(true);
      expect((await t.api.get('/servers')).body.servers).toEqual([]);
      expect((await t.api.get('/images?name=debian-13')).body.images.length).toBeGreaterThan(0);
    } finally {
      await t.close();
    }
  });
});

describe('fault injection', () => {
  async function statuses(seed: number, count: number): Promise<{ statuses: number[]; stats: Json }> {
    const t = await startTestSandbox({ faultRate: 0.3, seed });
    try {
      const out: number[] = [];
      for (let i = 0; i < count; i++) out.push((await t.api.get('/locations')).status);
      return { statuses: out, stats: await t.control('GET', 'stats') };
    } finally {
      await t.close();
    }
  }

  it('fails requests with retryable errors, repeatably for a seed, and counts them', async () => {
    const first = await statuses(42, 60);
    const again = await statuses(42, 60);
    expect(again.statuses).toEqual(first.statuses);
    const faults = first.statuses.filter((s) => s !== 200);
    expect(faults.length).toBeGreaterThan(5);
    expect(faults.length).toBeLessThan(40);
    for (const s of faults) expect([409, 429, 500, 503, 504]).toContain(s);
    expect(first.stats.faults).toBe(faults.length);
    expect(first.stats.dropped).toBe(0);
    expect(first.stats.total).toBe(60);
    const other = await statuses(7, 60);
    expect(other.statuses).not.toEqual(first.statuses);
  });

  it('performs some mutating requests and then loses the answer', async () => {
    const t = await startTestSandbox({ faultRate: 1, seed: 3 });
    try {
      const dropped: string[] = [];
      for (let i = 0; i < 40 && dropped.length === 0; i++) {
        const name = `lost-${i}`;
        try {
          await t.api.post('/ssh_keys', { name, public_key: fakeEd25519Key(100 + i) });
        } catch {
          dropped.push(name);
        }
      }
      expect(dropped).toHaveLength(1);
      const stats = await t.control('GET', 'stats');
      expect(stats.dropped).toBe(1);
      expect(stats.requests.create_ssh_key.dropped).toBe(1);
      await t.control('POST', 'config', { faultRate: 0 });
      const found = await t.api.get(`/ssh_keys?name=${dropped[0]}`);
      expect(found.body.ssh_keys).toHaveLength(1);
    } finally {
      await t.close();
    }
  });

  it('counts requests by operationId and status, and resets the counters', async () => {
    const t = await startTestSandbox();
    try {
      await t.api.get('/servers');
      await t.control('POST', 'stats/reset');
      await t.api.get('/servers');
      await t.api.get('/servers');
      await t.api.post('/ssh_keys', { name: 'stat', public_key: fakeEd25519Key(5) });
      await t.api.get('/servers/1');
      await t.api.get('/servers/actions?status=running');
      const stats = await t.control('GET', 'stats');
      expect(stats).toEqual({
        requests: {
          list_servers: { '200': 2 },
          create_ssh_key: { '201': 1 },
          get_server: { '404': 1 },
          list_server_actions: { '200': 1 },
        },
        total: 5,
        faults: 0,
        dropped: 0,
        rateLimited: 0,
      });
      const health = await t.control('GET', 'health');
      expect(health).toMatchObject({ ok: true, pid: process.pid });
    } finally {
      await t.close();
    }
  });
});

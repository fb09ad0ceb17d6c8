import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureSandbox, resetSandbox, sandboxStats, sandboxStatus, stopSandbox } from '../src/control.js';
import { Api, fakeEd25519Key, tempStateDir } from './helpers.js';

const dir = tempStateDir();

afterAll(async () => {
  await stopSandbox(dir);
  rmSync(dir, { recursive: true, force: true });
});

describe('sandbox process control', () => {
  it('starts a background sandbox, reuses it, reports status and stats, resets and stops it', async () => {
    expect(await sandboxStatus(dir)).toEqual({ running: false });
    await expect(sandboxStats(dir)).rejects.toMatchObject({ code: 'sandbox.failed' });

    const started = await ensureSandbox(dir, {
      speed: 0.001,
      seed: 1,
      rateLimit: { limit: 1000, refillPerSecond: 5 },
    });
    expect(started.started).toBe(true);
    expect(started.pid).not.toBe(process.pid);
    expect(started.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);

    const info = JSON.parse(readFileSync(join(dir, 'sandbox.json'), 'utf8'));
    expect(info).toMatchObject({ pid: started.pid, url: started.url, options: { speed: 0.001 } });
    expect(statSync(join(dir, 'sandbox.json')).mode & 0o777).toBe(0o600);

    const again = await ensureSandbox(dir);
    expect(again).toEqual({ url: started.url, pid: started.pid, started: false });
    const status = await sandboxStatus(dir);
    expect(status).toMatchObject({ running: true, url: started.url, pid: started.pid });
    expect(typeof status.since).toBe('string');

    const api = new Api(started.url);
    const key = await api.post('/ssh_keys', { name: 'proc', public_key: fakeEd25519Key(11) });
    expect(key.status).toBe(201);
    expect((await api.get('/ssh_keys')).body.ssh_keys).toHaveLength(1);
    const stats = await sandboxStats(dir);
    expect(stats.requests['create_ssh_key']).toEqual({ '201': 1 });
    expect(stats.total).toBe(2);

    await resetSandbox(dir);
    expect((await api.get('/ssh_keys')).body.ssh_keys).toEqual([]);

    expect(await stopSandbox(dir)).toBe(true);
    expect(await sandboxStatus(dir)).toEqual({ running: false });
    expect(existsSync(join(dir, 'sandbox.json'))).toBe(false);
    expect(existsSync(join(dir, 'world.json'))).toBe(true);
    expect(readFileSync(join(dir, 'sandbox.log'), 'utf8')).toContain('listening');
    expect(await stopSandbox(dir)).toBe(false);
  });

  it('keeps the world when the process is restarted', async () => {
    const first = await ensureSandbox(dir, { speed: 0.001 });
    const api = new Api(first.url);
    await api.post('/placement_groups', { name: 'survives', type: 'spread' });
    expect(await stopSandbox(dir)).toBe(true);
    const second = await ensureSandbox(dir, { speed: 0.001 });
    expect(second.started).toBe(true);
    const groups = await new Api(second.url).get('/placement_groups?name=survives');
    expect(groups.body.placement_groups).toHaveLength(1);
    await resetSandbox(dir);
    expect(await stopSandbox(dir)).toBe(true);
    await resetSandbox(dir);
    expect(existsSync(join(dir, 'world.json'))).toBe(false);
  });
});

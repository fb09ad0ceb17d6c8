import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, startTestSandbox, type Json, type TestSandbox } from './helpers.js';

describe('actions and locks', () => {
  let t: TestSandbox;
  beforeAll(async () => {
    // Slow enough that a request right after create finds the server locked.
    t = await startTestSandbox({ speed: 0.2 });
  });
  afterAll(async () => {
    await t.close();
  });

  it('runs actions to success with growing progress and locks the server meanwhile', async () => {
    const res = await t.api.post('/servers', { name: 'locked-1', server_type: 'cpx11', image: 'debian-13' });
    const id = res.body.server.id;
    const locked = await t.api.post(`/servers/${id}/actions/poweroff`);
    expect(locked.status).toBe(423);
    expect(locked.body.error.code).toBe('locked');
    const del = await t.api.delete(`/servers/${id}`);
    expect(del.body.error.code).toBe('locked');
    expect((await t.api.get(`/servers/${id}`)).body.server.locked).toBe(true);
    const progress: number[] = [];
    let status = 'running';
    for (let i = 0; i < 400 && status === 'running'; i++) {
      const a = (await t.api.get(`/actions/${res.body.next_actions[0].id}`)).body.action;
      progress.push(a.progress);
      status = a.status;
      if (status === 'running') await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toBe('success');
    expect(progress.at(-1)).toBe(100);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    const done = (await t.api.get(`/actions/${res.body.next_actions[0].id}`)).body.action;
    expect(done.finished).not.toBeNull();
    const server = (await t.api.get(`/servers/${id}`)).body.server;
    expect(server).toMatchObject({ status: 'running', locked: false });
    const off = await t.api.post(`/servers/${id}/actions/poweroff`);
    expect(off.status).toBe(201);
    expect((await t.api.get(`/servers/${id}`)).body.server.status).toBe('stopping');
  });

  it('answers network changes that race with conflict', async () => {
    const net = (await t.api.post('/networks', { name: 'race', ip_range: '10.0.0.0/16' })).body.network;
    const first = await t.api.post(`/networks/${net.id}/actions/add_subnet`, {
      type: 'cloud',
      network_zone: 'eu-central',
    });
    expect(first.status).toBe(201);
    const second = await t.api.post(`/networks/${net.id}/actions/add_subnet`, {
      type: 'cloud',
      network_zone: 'eu-central',
    });
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('conflict');
  });
});

describe('lists', () => {
  let t: TestSandbox;
  beforeAll(async () => {
    t = await startTestSandbox();
    for (let i = 1; i <= 120; i++) {
      const res = await t.api.post('/servers', {
        name: `node-${String(i).padStart(3, '0')}`,
        server_type: 'cpx11',
        image: 'debian-13',
        start_after_create: false,
      });
      expect(res.status).toBe(201);
    }
  });
  afterAll(async () => {
    await t.close();
  });

  function links(header: string | null): Record<string, URL> {
    const out: Record<string, URL> = {};
    for (const part of (header ?? '').split(',')) {
      const m = /<([^>]+)>;\s*rel="(\w+)"/.exec(part.trim());
      if (m?.[1] && m[2]) out[m[2]] = new URL(m[1]);
    }
    return out;
  }

  it('paginates 120 servers with meta.pagination and Link headers', async () => {
    const first = await t.api.get('/servers?per_page=50');
    expect(first.body.servers).toHaveLength(50);
    expect(first.body.meta.pagination).toEqual({
      page: 1,
      per_page: 50,
      previous_page: null,
      next_page: 2,
      last_page: 3,
      total_entries: 120,
    });
    const firstLinks = links(first.headers.get('link'));
    expect(Object.keys(firstLinks).sort()).toEqual(['last', 'next']);
    expect(firstLinks['next']?.searchParams.get('page')).toBe('2');
    expect(firstLinks['last']?.searchParams.get('page')).toBe('3');
    const next = firstLinks['next'] as URL;
    const second = await t.api.get(`${next.pathname.replace(/^\/v1/, '')}${next.search}`);
    expect(second.body.meta.pagination).toMatchObject({ page: 2, previous_page: 1, next_page: 3 });
    expect(Object.keys(links(second.headers.get('link'))).sort()).toEqual(['last', 'next', 'prev']);
    const third = await t.api.get('/servers?per_page=50&page=3');
    expect(third.body.servers).toHaveLength(20);
    expect(third.body.meta.pagination).toMatchObject({ next_page: null, previous_page: 2 });
    expect(Object.keys(links(third.headers.get('link'))).sort()).toEqual(['last', 'prev']);
    const ids = [...first.body.servers, ...second.body.servers, ...third.body.servers].map((s: Json) => s.id);
    expect(new Set(ids).size).toBe(120);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  it('defaults to 25 per page and caps per_page at 50', async () => {
    const byDefault = await t.api.get('/servers');
    expect(byDefault.body.servers).toHaveLength(25);
    expect(byDefault.body.meta.pagination).toMatchObject({ per_page: 25, last_page: 5 });
    const capped = await t.api.get('/servers?per_page=100');
    expect(capped.body.meta.pagination.per_page).toBe(50);
    const beyond = await t.api.get('/servers?page=9');
    expect(beyond.body.servers).toEqual([]);
  });

  it('sorts by the sort parameter and filters by exact name and status', async () => {
    const desc = await t.api.get('/servers?sort=name:desc&per_page=3');
    expect(desc.body.servers.map((s: Json) => s.name)).toEqual(['node-120', 'node-119', 'node-118']);
    const byIdDesc = await t.api.get('/servers?sort=id:desc&per_page=1');
    expect(byIdDesc.body.servers[0].name).toBe('node-120');
    const named = await t.api.get('/servers?name=node-007');
    expect(named.body.servers.map((s: Json) => s.name)).toEqual(['node-007']);
    expect((await t.api.get('/servers?name=node-7')).body.servers).toEqual([]);
    const bad = await t.api.get('/servers?sort=bogus', { invalidRequest: true });
    expect(bad.body.error.code).toBe('invalid_input');
    const off = await t.api.get('/servers?status=off&per_page=1');
    expect(off.body.meta.pagination.total_entries).toBe(120);
    expect((await t.api.get('/servers?status=running')).body.servers).toEqual([]);
  });
});

describe('label selectors', () => {
  let t: TestSandbox;
  const names = async (selector: string) =>
    (await t.api.get(`/servers?label_selector=${encodeURIComponent(selector)}&sort=name`)).body.servers.map(
      (s: Json) => s.name,
    );

  beforeAll(async () => {
    t = await startTestSandbox();
    const servers: [string, Record<string, string>][] = [
      ['a', { env: 'prod', tier: 'web', 'hk8s.io/cluster': 'one' }],
      ['b', { env: 'staging', tier: 'db' }],
      ['c', { env: 'prod' }],
      ['d', {}],
    ];
    for (const [name, labels] of servers) {
      await t.api.post('/servers', { name, server_type: 'cpx11', image: 'debian-13', labels });
    }
  });
  afterAll(async () => {
    await t.close();
  });

  it.each([
    ['env=prod', ['a', 'c']],
    ['env==prod', ['a', 'c']],
    ['env!=prod', ['b', 'd']],
    ['tier', ['a', 'b']],
    ['!tier', ['c', 'd']],
    ['env in (prod,staging)', ['a', 'b', 'c']],
    ['env in (staging)', ['b']],
    ['env notin (prod)', ['b', 'd']],
    ['env=prod,tier', ['a']],
    ['env=prod,!tier', ['c']],
    ['env notin (prod, staging),!tier', ['d']],
    ['hk8s.io/cluster=one', ['a']],
  ])('%s', async (selector, expected) => {
    expect(await names(selector)).toEqual(expected);
  });

  it('answers invalid_input for a malformed selector', async () => {
    const res = await t.api.get(`/servers?label_selector=${encodeURIComponent('env in prod')}`);
    expect(res.status).toBe(422);
    expect(res.body.error.details.fields[0].name).toBe('label_selector');
  });
});

describe('rate limiting, authentication and errors', () => {
  it('sends RateLimit headers on every response and 429 when the bucket is empty', async () => {
    const t = await startTestSandbox({ rateLimit: { limit: 5, refillPerSecond: 0.0001 } });
    try {
      const remaining: string[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await t.api.get('/locations');
        expect(res.status).toBe(200);
        expect(res.headers.get('ratelimit-limit')).toBe('5');
        expect(res.headers.get('x-correlation-id')).toMatch(/^[0-9a-f]+$/);
        remaining.push(res.headers.get('ratelimit-remaining') ?? '');
      }
      expect(remaining).toEqual(['4', '3', '2', '1', '0']);
      const limited = await t.api.get('/locations');
      expect(limited.status).toBe(429);
      expect(limited.body.error.code).toBe('rate_limit_exceeded');
      expect(limited.headers.get('ratelimit-remaining')).toBe('0');
      expect(Number(limited.headers.get('ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
      const stats = await t.control('GET', 'stats');
      expect(stats.rateLimited).toBe(1);
      expect(stats.requests.list_locations).toEqual({ '200': 5, '429': 1 });
      const raised = await t.control('POST', 'config', { rateLimit: { limit: 100, refillPerSecond: 1000 } });
      expect(raised.rateLimit.limit).toBe(100);
      await new Promise((r) => setTimeout(r, 20));
      expect((await t.api.get('/locations')).status).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('requires a bearer token, and exactly the configured one', async () => {
    const t = await startTestSandbox({ token: 'right' });
    try {
      const none = await t.api.get('/servers', { authorization: null });
      expect(none.status).toBe(401);
      expect(none.body.error.code).toBe('unauthorized');
      expect(none.headers.get('ratelimit-limit')).toBe('3600');
      expect((await t.api.get('/servers', { authorization: 'Bearer wrong' })).status).toBe(401);
      expect((await new Api(t.api.url, 'right').get('/servers')).status).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('answers not_found with the error body', async () => {
    const t = await startTestSandbox();
    try {
      const res = await t.api.get('/servers/123');
      expect(res.status).toBe(404);
      expect(res.body.error).toMatchObject({ code: 'not_found', details: null });
      expect((await t.api.post('/servers/123/actions/poweron')).status).toBe(404);
    } finally {
      await t.close();
    }
  });
});

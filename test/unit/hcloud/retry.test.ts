import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HcloudApiError } from '../../../src/providers/hcloud/errors.js';
import { createHcloudClient } from '../../../src/providers/hcloud/client.js';
import { RequestBudget } from '../../../src/providers/hcloud/budget.js';
import { errorReply, fakeTime, HcloudStub, STUB_TOKEN } from '../../support/hcloud-stub.js';
import { clientFor, expectNoToken, rejectionOf } from './helpers.js';

let stub: HcloudStub;
beforeAll(async () => {
  stub = await HcloudStub.start();
});
afterAll(() => stub.close());
beforeEach(() => stub.reset());

const network = { network: { id: 5, name: 'main', labels: {} } };

describe('retries', () => {
  it('429 then success: retried once, after the wait the headers ask for', async () => {
    const { client, events, time } = clientFor(stub);
    const resetAt = Math.floor(time.now() / 1000) + 3600;
    stub.on(
      'GET',
      '/networks/{id}',
      {
        ...errorReply(429, 'rate_limit_exceeded', 'limit of 3600 requests per hour reached'),
        headers: {
          'RateLimit-Limit': '3600',
          'RateLimit-Remaining': '0',
          'RateLimit-Reset': String(resetAt),
        },
      },
      { status: 200, body: network },
    );
    const found = await client.networks.get(5);
    expect(found?.id).toBe(5);
    expect(stub.requests).toHaveLength(2);
    expect(events.filter((e) => e.type === 'retrying')).toEqual([
      { type: 'retrying', op: 'get_network', reason: 'rate-limited', delayMs: 0 },
    ]);
    const waits = events.filter((e) => e.type === 'rate-limited');
    expect(waits).toHaveLength(1);
    expect(waits[0]).toMatchObject({ waitMs: 1000 }); // one token at 3600/h = 1 s
  });

  it('503 unavailable is retried with backoff (full jitter)', async () => {
    stub.on(
      'GET',
      '/networks/{id}',
      errorReply(503, 'unavailable', 'service unavailable'),
      errorReply(503, 'unavailable', 'service unavailable'),
      { status: 200, body: network },
    );
    const { client, events } = clientFor(stub, { random: () => 0.5 });
    await client.networks.get(5);
    expect(stub.requests).toHaveLength(3);
    const retries = events.filter((e) => e.type === 'retrying');
    // base 1000 ms doubling, random 0.5 → 500, 1000
    expect(retries.map((e) => (e.type === 'retrying' ? [e.reason, e.delayMs] : []))).toEqual([
      ['unavailable', 500],
      ['unavailable', 1000],
    ]);
  });

  it('a bare 502 on a GET is retried; request events carry status and attempt', async () => {
    stub.on(
      'GET',
      '/networks/{id}',
      { status: 502, raw: '<html>bad gateway</html>' },
      { status: 200, body: network },
    );
    const { client, events } = clientFor(stub);
    await client.networks.get(5);
    const requests = events.filter((e) => e.type === 'request');
    expect(requests).toMatchObject([
      { op: 'get_network', method: 'GET', path: '/networks/5', status: 502, attempt: 1 },
      { op: 'get_network', method: 'GET', path: '/networks/5', status: 200, attempt: 2 },
    ]);
  });

  it('409 conflict on an action is retried', async () => {
    stub.on(
      'POST',
      '/networks/{id}/actions/change_protection',
      errorReply(409, 'conflict', 'The resource has changed during the request, please retry'),
      { status: 201, body: { action: { id: 1, status: 'running' } } },
    );
    const { client } = clientFor(stub);
    const result = await client.networks.changeProtection(5, { delete: true });
    expect(result.actions.map((a) => a.id)).toEqual([1]);
    expect(stub.requests).toHaveLength(2);
  });

  it('locked is waited out, within the bound, even for non-idempotent actions', async () => {
    const locked = errorReply(423, 'locked', 'cannot perform operation because server is locked');
    stub.on('POST', '/servers/{id}/actions/attach_to_network', locked, locked, locked, {
      status: 201,
      body: { action: { id: 2, status: 'running' } },
    });
    const { client, events } = clientFor(stub, { maxAttempts: 2 });
    const result = await client.servers.attachToNetwork(7, { network: 5 });
    expect(result.actions[0]?.id).toBe(2);
    expect(stub.requests).toHaveLength(4);
    const locks = events.filter((e) => e.type === 'retrying' && e.reason === 'locked');
    expect(locks).toHaveLength(3);
  });

  it('locked for longer than the bound fails with the locked error', async () => {
    stub.on('POST', '/servers/{id}/actions/poweron', errorReply(423, 'locked', 'server is locked'));
    const { client, time } = clientFor(stub, { retry: { lockedTimeoutMs: 10_000 } });
    const error = await rejectionOf(client.servers.poweron(7, { where: 'server.cp-1' }));
    expect(error).toBeInstanceOf(HcloudApiError);
    expect(error).toMatchObject({
      hcloudCode: 'locked',
      status: 423,
      code: 'provider.api',
      where: 'server.cp-1',
    });
    const waited = time.sleeps.reduce((a, b) => a + b, 0);
    expect(waited).toBeLessThanOrEqual(10_000);
    expect(stub.requests.length).toBeGreaterThan(2);
  });

  it('422 invalid_input is not retried', async () => {
    const details = { fields: [{ name: 'ip_range', messages: ['invalid cidr'] }] };
    stub.on(
      'POST',
      '/networks/{id}/actions/add_subnet',
      errorReply(422, 'invalid_input', 'invalid input', details),
    );
    const { client, events } = clientFor(stub);
    const error = await rejectionOf(
      client.networks.addSubnet(5, { type: 'cloud', network_zone: 'eu-central', ip_range: 'nope' }),
    );
    expect(stub.requests).toHaveLength(1);
    expect(error).toMatchObject({
      status: 422,
      hcloudCode: 'invalid_input',
      details,
      retryable: false,
      operation: 'add_subnet_to_network',
    });
    expect(events.some((e) => e.type === 'retrying')).toBe(false);
  });

  it('gives up after maxAttempts with a retryable error', async () => {
    stub.on('GET', '/servers/{id}', errorReply(504, 'timeout', 'request timed out'));
    const { client } = clientFor(stub, { maxAttempts: 3 });
    const error = await rejectionOf(client.servers.get(1));
    expect(stub.requests).toHaveLength(3);
    expect(error).toMatchObject({ hcloudCode: 'timeout', status: 504, retryable: true });
  });

  it('a dropped connection on a GET is retried', async () => {
    stub.on('GET', '/servers/{id}', { drop: true }, { status: 200, body: { server: { id: 1 } } });
    const { client, events } = clientFor(stub);
    expect((await client.servers.get(1))?.id).toBe(1);
    expect(
      events.filter((e) => e.type === 'request').map((e) => (e.type === 'request' ? e.status : 0)),
    ).toEqual([null, 200]);
  });

  it('a request that never answers times out and is retried when idempotent', async () => {
    stub.on('GET', '/servers/{id}', { hang: true }, { status: 200, body: { server: { id: 1 } } });
    const { client, events } = clientFor(stub, { requestTimeoutMs: 50 });
    expect((await client.servers.get(1))?.id).toBe(1);
    expect(events).toContainEqual(expect.objectContaining({ type: 'retrying', reason: 'timeout' }));
  });

  it('get() of a missing resource is undefined, not an error', async () => {
    stub.on('GET', '/servers/{id}', errorReply(404, 'not_found', 'server not found'));
    const { client } = clientFor(stub);
    expect(await client.servers.get(404)).toBeUndefined();
    expect(stub.requests).toHaveLength(1);
  });

  it('an endpoint nobody listens on ends in provider.unreachable naming the endpoint', async () => {
    const closed = await HcloudStub.start();
    const endpoint = closed.endpoint;
    await closed.close();
    const time = fakeTime();
    const events: unknown[] = [];
    const client = createHcloudClient({
      endpoint,
      token: STUB_TOKEN,
      budget: new RequestBudget({ now: time.now, sleep: time.sleep }),
      sleep: time.sleep,
      now: time.now,
      maxAttempts: 3,
      onEvent: (e) => events.push(e),
    });
    const error = await rejectionOf(client.locations.list());
    expect(error).toMatchObject({ code: 'provider.unreachable', retryable: true, exitCode: 10 });
    expect((error as Error).message).toContain(endpoint);
    expect(events.filter((e) => (e as { type: string }).type === 'request')).toHaveLength(3);
    expectNoToken([error, ...events]);
  });

  it('an aborted call stops without retrying', async () => {
    stub.on('GET', '/servers', { hang: true });
    const { client } = clientFor(stub);
    const controller = new AbortController();
    const pending = client.servers.list({ signal: controller.signal });
    // Abort once the request is on the wire, however long a loaded machine takes to send it.
    while (stub.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort(new Error('user pressed ctrl-c'));
    const error = await rejectionOf(pending);
    expect((error as Error).message).toBe('user pressed ctrl-c');
    expect(stub.requests).toHaveLength(1);
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HcloudActionError } from '../../../src/providers/hcloud/errors.js';
import { actionOf, errorReply, HcloudStub, type StubRequest } from '../../support/hcloud-stub.js';
import { clientFor, expectNoToken, rejectionOf } from './helpers.js';

let stub: HcloudStub;
beforeAll(async () => {
  stub = await HcloudStub.start();
});
afterAll(() => stub.close());
beforeEach(() => stub.reset());

const idsOf = (request: StubRequest | undefined) => request?.query.getAll('id').map(Number) ?? [];

/** Answers GET /actions: every action runs for `polls` polls of it, then ends as `final(id)` says. */
function actionsAnswer(polls: number, final: (id: number) => 'success' | 'error' = () => 'success') {
  const seen = new Map<number, number>();
  return (request: StubRequest) => {
    const actions = idsOf(request).map((id) => {
      const count = (seen.get(id) ?? 0) + 1;
      seen.set(id, count);
      if (count <= polls) return actionOf(id, 'running', { progress: 50 });
      const status = final(id);
      return actionOf(
        id,
        status,
        status === 'error' ? { error: { code: 'placement_error', message: 'error during placement' } } : {},
      );
    });
    return { status: 200, body: { actions } };
  };
}

describe('waitForActions', () => {
  it('10 concurrent waits share one poll per tick carrying all ids', async () => {
    stub.on('GET', '/actions', actionsAnswer(2));
    const { client, events } = clientFor(stub);
    const ids = Array.from({ length: 10 }, (_, i) => 1000 + i);
    const results = await Promise.all(ids.map((id) => client.waitForActions([id])));
    expect(results.map((r) => r.map((a) => [a.id, a.status]))).toEqual(ids.map((id) => [[id, 'success']]));
    const polls = stub.requestsTo('GET', '/actions');
    expect(polls).toHaveLength(3); // running, running, success
    for (const poll of polls) expect(idsOf(poll).sort()).toEqual(ids);
    expect(events.filter((e) => e.type === 'action-progress')).toHaveLength(20); // 10 waiters × 2 running ticks
    expectNoToken(events);
  });

  it('a waiter joining later rides on the same loop and is polled with the others', async () => {
    stub.on('GET', '/actions', actionsAnswer(3));
    const { client } = clientFor(stub);
    const first = client.waitForActions([1, 2]);
    // Join only once the loop has polled for the first waiter (not after a fixed delay: no timing).
    while (stub.requestsTo('GET', '/actions').length === 0)
      await new Promise((resolve) => setTimeout(resolve, 1));
    const second = client.waitForActions([3]);
    await Promise.all([first, second]);
    const polls = stub.requestsTo('GET', '/actions');
    expect(polls.some((p) => idsOf(p).length === 3)).toBe(true);
    expect(polls.every((p) => new Set(idsOf(p)).size === idsOf(p).length)).toBe(true);
  });

  it('chunks 120 pending ids into requests of at most 50', async () => {
    stub.on('GET', '/actions', actionsAnswer(0));
    const { client } = clientFor(stub);
    const ids = Array.from({ length: 120 }, (_, i) => i + 1);
    const done = await client.waitForActions(ids);
    expect(done).toHaveLength(120);
    const polls = stub.requestsTo('GET', '/actions');
    expect(polls.map((p) => idsOf(p).length)).toEqual([50, 50, 20]);
  });

  it('an action ending in error rejects with its code and message', async () => {
    stub.on(
      'GET',
      '/actions',
      actionsAnswer(1, (id) => (id === 2 ? 'error' : 'success')),
    );
    const { client } = clientFor(stub);
    const error = await rejectionOf(client.waitForActions([1, 2]));
    expect(error).toBeInstanceOf(HcloudActionError);
    expect(error).toMatchObject({
      actionId: 2,
      hcloudCode: 'placement_error',
      code: 'provider.unavailable',
      hint: 'try another location or server type',
    });
    expect((error as Error).message).toContain('error during placement');
  });

  it('the poll interval grows and starts short again for a new waiter', async () => {
    stub.on('GET', '/actions', actionsAnswer(4));
    const { client, time } = clientFor(stub, { pollIntervals: { initialMs: 500, maxMs: 2000, factor: 2 } });
    await client.waitForActions([7]);
    expect(time.sleeps).toEqual([500, 1000, 2000, 2000, 2000]);
  });

  it('stops with a retryable error when the timeout passes', async () => {
    stub.on('GET', '/actions', actionsAnswer(1000));
    const { client } = clientFor(stub, { pollIntervals: { initialMs: 500, maxMs: 500, factor: 1 } });
    const error = await rejectionOf(client.waitForActions([5], { timeoutMs: 2000 }));
    expect(error).toMatchObject({ code: 'provider.api', retryable: true });
    expect(stub.requests).toHaveLength(4);
  });

  it('an aborted wait rejects at once and leaves other waiters polling', async () => {
    stub.on('GET', '/actions', actionsAnswer(5));
    const { client } = clientFor(stub);
    const controller = new AbortController();
    const cancelled = client.waitForActions([1], { signal: controller.signal });
    const kept = client.waitForActions([2]);
    controller.abort(new Error('cancelled'));
    expect(((await rejectionOf(cancelled)) as Error).message).toBe('cancelled');
    expect((await kept).map((a) => a.id)).toEqual([2]);
  });

  it('a failing poll request rejects every waiter with the API error', async () => {
    stub.on('GET', '/actions', errorReply(401, 'unauthorized', 'unable to authenticate'));
    const { client } = clientFor(stub);
    const [a, b] = await Promise.all([
      rejectionOf(client.waitForActions([1])),
      rejectionOf(client.waitForActions([2])),
    ]);
    expect(a).toMatchObject({ code: 'provider.auth' });
    expect(b).toBe(a);
    expect(stub.requests).toHaveLength(1);
  });

  it('an empty id list resolves without a request', async () => {
    const { client } = clientFor(stub);
    expect(await client.waitForActions([])).toEqual([]);
    expect(stub.requests).toHaveLength(0);
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RequestBudget, sharedBudget } from '../../../src/providers/hcloud/budget.js';
import { fakeTime, HcloudStub, page } from '../../support/hcloud-stub.js';
import { clientFor } from './helpers.js';

const headers = (limit: number, remaining: number, reset: number) =>
  new Headers({
    'RateLimit-Limit': String(limit),
    'RateLimit-Remaining': String(remaining),
    'RateLimit-Reset': String(reset),
  });

describe('RequestBudget', () => {
  it('lets requests out while the estimate has tokens, without waiting', async () => {
    const time = fakeTime();
    const budget = new RequestBudget({ now: time.now, sleep: time.sleep });
    const first = await budget.acquire();
    first.settle({ status: 200, headers: headers(3600, 10, time.now() / 1000 + 3590) });
    for (let i = 0; i < 10; i += 1) (await budget.acquire()).settle();
    expect(time.sleeps).toEqual([]);
  });

  it('holds the next request back when remaining is 0, for one token (3600/limit s)', async () => {
    const time = fakeTime();
    const budget = new RequestBudget({ now: time.now, sleep: time.sleep });
    const waits: number[] = [];
    const lease = await budget.acquire();
    lease.settle({ status: 200, headers: headers(7200, 0, time.now() / 1000 + 3600) });
    await budget.acquire((ms) => waits.push(ms));
    expect(waits).toEqual([500]); // 7200/h refills one every 0.5 s
    expect(time.sleeps).toEqual([500]);
  });

  it('serialises concurrent callers: 5 tokens, 8 callers → the last 3 wait one token each', async () => {
    const time = fakeTime();
    const budget = new RequestBudget({ now: time.now, sleep: time.sleep });
    (await budget.acquire()).settle({ status: 200, headers: headers(3600, 5, time.now() / 1000 + 3600) });
    const waits: number[] = [];
    const leases = await Promise.all(Array.from({ length: 8 }, () => budget.acquire((ms) => waits.push(ms))));
    expect(leases).toHaveLength(8);
    expect(waits).toEqual([1000, 1000, 1000]);
  });

  it('counts requests still in flight against a reported remaining', async () => {
    const time = fakeTime();
    const budget = new RequestBudget({ now: time.now, sleep: time.sleep });
    (await budget.acquire()).settle({ status: 200, headers: headers(3600, 100, 0) });
    const inFlight = await Promise.all([budget.acquire(), budget.acquire(), budget.acquire()]);
    // An answer that still counts 2 left, while two others are out: nothing may go before a refill.
    inFlight[0]?.settle({ status: 200, headers: headers(3600, 2, 0) });
    expect(budget.snapshot().remaining).toBe(0);
    const waits: number[] = [];
    await budget.acquire((ms) => waits.push(ms));
    expect(waits).toEqual([1000]);
  });

  it('after a 429, a later answer reporting a full bucket restores full speed', async () => {
    const time = fakeTime();
    const budget = new RequestBudget({ now: time.now, sleep: time.sleep });
    (await budget.acquire()).settle({ status: 429, headers: headers(3600, 3000, time.now() / 1000 + 600) });
    const after = await budget.acquire();
    after.settle({ status: 200, headers: headers(3600, 3000, time.now() / 1000 + 600) });
    const sleepsBefore = time.sleeps.length;
    for (let i = 0; i < 20; i += 1) (await budget.acquire()).settle();
    expect(time.sleeps.length).toBe(sleepsBefore);
  });

  it('after a 429 waits until the first token of the refill that ends at RateLimit-Reset', async () => {
    const time = fakeTime();
    const budget = new RequestBudget({ now: time.now, sleep: time.sleep });
    const lease = await budget.acquire();
    lease.settle({ status: 429, headers: headers(3600, 0, Math.floor(time.now() / 1000) + 3600) });
    const waits: number[] = [];
    await budget.acquire((ms) => waits.push(ms));
    expect(waits).toEqual([1000]);
  });

  it('honours a Retry-After longer than one token after a 429', async () => {
    const time = fakeTime();
    const budget = new RequestBudget({ now: time.now, sleep: time.sleep });
    const lease = await budget.acquire();
    const h = headers(3600, 0, Math.floor(time.now() / 1000) + 3600);
    h.set('Retry-After', '7');
    lease.settle({ status: 429, headers: h });
    const waits: number[] = [];
    await budget.acquire((ms) => waits.push(ms));
    expect(waits).toEqual([7000]);
  });

  it('refills with time: after 3 s at 3600/h three requests go without waiting', async () => {
    const time = fakeTime();
    const budget = new RequestBudget({ now: time.now, sleep: time.sleep });
    (await budget.acquire()).settle({ status: 200, headers: headers(3600, 0, 0) });
    time.advance(3000);
    for (let i = 0; i < 3; i += 1) (await budget.acquire()).settle();
    expect(time.sleeps).toEqual([]);
    await budget.acquire();
    expect(time.sleeps).toEqual([1000]);
  });

  it('before anything is known, one probe goes first and the rest wait for its answer', async () => {
    const budget = new RequestBudget();
    const probe = await budget.acquire();
    let secondIn = false;
    const second = budget.acquire().then((lease) => {
      secondIn = true;
      return lease;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(secondIn).toBe(false);
    probe.settle({ status: 200, headers: new Headers() });
    await second;
    expect(secondIn).toBe(true);
  });

  it('sharedBudget gives one budget per endpoint', () => {
    expect(sharedBudget('http://127.0.0.1:1/v1')).toBe(sharedBudget('http://127.0.0.1:1/v1/'));
    expect(sharedBudget('http://127.0.0.1:1/v1')).not.toBe(sharedBudget('http://127.0.0.1:2/v1'));
  });
});

describe('budget in the client', () => {
  let stub: HcloudStub;
  beforeAll(async () => {
    stub = await HcloudStub.start();
  });
  afterAll(() => stub.close());
  beforeEach(() => stub.reset());

  it('never sends while remaining is 0, and resumes once the bucket refilled', async () => {
    const time = fakeTime();
    const sentWhenHeldBack: number[] = [];
    const budget = new RequestBudget({
      now: time.now,
      sleep: async (ms) => {
        sentWhenHeldBack.push(stub.requests.length);
        await time.sleep(ms);
      },
    });
    const { client, events } = clientFor(stub, { budget, now: time.now });
    const reported = [0, 0, 5];
    stub.on('GET', '/locations', () => ({
      ...page('locations', [], 1, 1),
      headers: {
        'RateLimit-Limit': '3600',
        'RateLimit-Remaining': String(reported.shift() ?? 5),
        'RateLimit-Reset': String(Math.floor(time.now() / 1000) + 3600),
      },
    }));
    await client.locations.list(); // leaves 0
    await client.locations.list(); // held back one token, then sent; leaves 0 again
    await client.locations.list(); // held back again
    expect(stub.requests).toHaveLength(3);
    expect(sentWhenHeldBack).toEqual([1, 2]);
    expect(events.filter((e) => e.type === 'rate-limited')).toEqual([
      { type: 'rate-limited', waitMs: 1000 },
      { type: 'rate-limited', waitMs: 1000 },
    ]);
  });
});

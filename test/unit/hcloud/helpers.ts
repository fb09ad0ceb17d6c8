/** Shared set-up for the Hetzner client tests: a client on the stub with an injected clock. */
import { inspect } from 'node:util';
import { expect } from 'vitest';
import { createHcloudClient, type HcloudClientOptions } from '../../../src/providers/hcloud/client.js';
import { RequestBudget } from '../../../src/providers/hcloud/budget.js';
import type { HcloudEvent } from '../../../src/providers/hcloud/events.js';
import { fakeTime, STUB_TOKEN, type HcloudStub } from '../../support/hcloud-stub.js';

export function clientFor(stub: HcloudStub, overrides: Partial<HcloudClientOptions> = {}) {
  const time = fakeTime();
  const events: HcloudEvent[] = [];
  const client = createHcloudClient({
    endpoint: stub.endpoint,
    token: STUB_TOKEN,
    budget: new RequestBudget({ now: time.now, sleep: time.sleep }),
    sleep: time.sleep,
    now: time.now,
    random: () => 0.5,
    onEvent: (event) => events.push(event),
    requestTimeoutMs: 5000,
    pollIntervals: { initialMs: 1, maxMs: 4, factor: 2 },
    ...overrides,
  });
  return { client, events, time };
}

/** Resolves to the rejection of `promise`, failing the test if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  const outcome = await promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  expect(outcome.ok, 'expected a rejection').toBe(false);
  return outcome.ok ? undefined : outcome.error;
}

/** Every way a value can be shown or stored: none may contain the token. */
export function expectNoToken(values: unknown[]): void {
  for (const value of values) {
    const shown = [
      JSON.stringify(value) ?? '',
      inspect(value, { depth: 10, showHidden: true }),
      String(value),
      value instanceof Error ? `${value.stack ?? ''}${value.message}` : '',
    ];
    for (const text of shown) expect(text).not.toContain(STUB_TOKEN);
  }
}

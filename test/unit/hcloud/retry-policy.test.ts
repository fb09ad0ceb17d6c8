import { describe, expect, it } from 'vitest';
import {
  backoff,
  classifyOutcome,
  decide,
  DEFAULT_RETRY_POLICY,
  type Outcome,
  type Safety,
} from '../../../src/providers/hcloud/retry-policy.js';

const fresh = { attempts: 1, lockedCount: 0, lockedWaitedMs: 0 };
const half = () => 0.5;
const http = (status: number, hcloudCode?: string): Outcome => ({ kind: 'http', status, hcloudCode });

describe('classifyOutcome', () => {
  it.each([
    [http(429, 'rate_limit_exceeded'), 'refused'],
    [http(429), 'refused'],
    [http(409, 'conflict'), 'locked'],
    [http(503, 'unavailable'), 'refused'],
    [http(423, 'locked'), 'locked'],
    [http(504, 'timeout'), 'lost'],
    [http(422, 'service_error'), 'lost'],
    [http(500, 'server_error'), 'lost'],
    [http(502), 'lost'],
    [http(504), 'lost'],
    [http(422, 'invalid_input'), 'final'],
    [http(409, 'uniqueness_error'), 'final'],
    [http(423, 'protected'), 'final'],
    [http(401, 'unauthorized'), 'final'],
    [http(404), 'final'],
    [{ kind: 'network', sent: false, timedOut: false }, 'refused'],
    [{ kind: 'network', sent: true, timedOut: false }, 'lost'],
    [{ kind: 'network', sent: true, timedOut: true }, 'lost'],
  ] as [Exclude<Outcome, { kind: 'ok' }>, string][])('%j is %s', (outcome, kind) => {
    expect(classifyOutcome(outcome).kind).toBe(kind);
  });
});

describe('decide', () => {
  it.each([
    ['idempotent', 'retry'],
    ['create', 'verify'],
    ['non-idempotent', 'verify'],
  ] as [Safety, string][])('a lost answer on a %s operation → %s', (safety, kind) => {
    expect(decide(http(502), safety, fresh, DEFAULT_RETRY_POLICY, half).kind).toBe(kind);
  });

  it.each(['idempotent', 'create', 'non-idempotent'] as Safety[])(
    'refusals are retried for %s operations',
    (s) => {
      expect(decide(http(409, 'conflict'), s, fresh, DEFAULT_RETRY_POLICY, half).kind).toBe('retry');
    },
  );

  it('429 adds no backoff of its own: the budget waits', () => {
    expect(decide(http(429), 'create', fresh, DEFAULT_RETRY_POLICY, half)).toEqual({
      kind: 'retry',
      reason: 'rate-limited',
      delayMs: 0,
    });
  });

  it('stops after maxAttempts', () => {
    const history = { ...fresh, attempts: DEFAULT_RETRY_POLICY.maxAttempts };
    expect(decide(http(503, 'unavailable'), 'idempotent', history, DEFAULT_RETRY_POLICY, half).kind).toBe(
      'fail',
    );
  });

  it('locked waits are bounded by time, not by maxAttempts', () => {
    const locked = http(423, 'locked');
    const many = { attempts: 99, lockedCount: 3, lockedWaitedMs: 10_000 };
    expect(decide(locked, 'non-idempotent', many, DEFAULT_RETRY_POLICY, half).kind).toBe('retry');
    const late = { attempts: 1, lockedCount: 20, lockedWaitedMs: 59_000 };
    expect(decide(locked, 'non-idempotent', late, DEFAULT_RETRY_POLICY, half).kind).toBe('fail');
  });

  it('never retries a validation error', () => {
    expect(decide(http(422, 'invalid_input'), 'idempotent', fresh, DEFAULT_RETRY_POLICY, half)).toEqual({
      kind: 'fail',
    });
  });
});

describe('backoff', () => {
  it('is full jitter over a doubling ceiling capped at 60 s', () => {
    expect([1, 2, 3, 4].map((n) => backoff(n, DEFAULT_RETRY_POLICY, () => 0.999))).toEqual([
      999, 1998, 3996, 7992,
    ]);
    expect(backoff(20, DEFAULT_RETRY_POLICY, () => 0.5)).toBe(30_000);
    expect(backoff(3, DEFAULT_RETRY_POLICY, () => 0)).toBe(0);
  });
});

describe('5xx with codes the policy does not name', () => {
  it.each(['unknown_error', 'some_new_error'])(
    '%s on a 500 is treated as a lost answer, not final',
    (code) => {
      expect(classifyOutcome({ kind: 'http', status: 500, hcloudCode: code } as never).kind).toBe('lost');
    },
  );

  it('an unnamed code on a 4xx stays final', () => {
    expect(classifyOutcome({ kind: 'http', status: 422, hcloudCode: 'invalid_input' } as never).kind).toBe(
      'final',
    );
  });
});

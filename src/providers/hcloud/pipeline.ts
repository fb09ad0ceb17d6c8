/**
 * The one path every Hetzner request takes: budget → send (with a timeout) → classify → retry or return.
 * Operations hand in a `send` that performs one HTTP exchange through openapi-fetch; the pipeline owns
 * attempts, waits, events and the translation of failures into HcloudApiError.
 */
import type { RequestBudget } from './budget.js';
import { apiError, lostAnswerError, unreachableError, type HcloudApiError } from './errors.js';
import type { HcloudEvent } from './events.js';
import {
  classifyOutcome,
  decide,
  type History,
  type Outcome,
  type RetryPolicyOptions,
  type Safety,
} from './retry-policy.js';
import type { HttpMethod } from './types.js';

/** What one openapi-fetch call gives back. */
export interface RawAnswer {
  data?: unknown;
  error?: unknown;
  response: Response;
}

export type Send = (signal: AbortSignal) => Promise<RawAnswer>;

export interface OperationSpec {
  /** Hetzner's operation name (`create_server`, `power_on_server`, …): in events and errors. */
  op: string;
  method: HttpMethod;
  /** The concrete path without query, for events. */
  path: string;
  safety: Safety;
  /** The resource address the caller works on, carried into errors as `where`. */
  where?: string;
}

export interface RunOptions<T> {
  signal?: AbortSignal;
  /**
   * For `create` and `non-idempotent` operations: after a lost answer, finds out whether the effect
   * happened. A value ends the operation with it; `undefined` lets the request be sent again.
   */
  verify?: () => Promise<T | undefined>;
  /** For DELETE: a 404 after a lost answer means the first attempt did delete it. */
  goneIsDone?: boolean;
}

export interface PipelineDeps {
  endpoint: string;
  budget: RequestBudget;
  policy: RetryPolicyOptions;
  requestTimeoutMs: number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  now: () => number;
  emit: (event: HcloudEvent) => void;
  /** Removes the token from any text that could end up in an error. */
  scrub: (text: string) => string;
}

/** Connection failures that happen before a byte of the request left: nothing can have happened. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

type Attempt =
  | { kind: 'ok'; outcome: Outcome; answer: RawAnswer }
  | { kind: 'http'; outcome: Outcome & { kind: 'http' }; failure: HttpFailure }
  | { kind: 'network'; outcome: Outcome & { kind: 'network' }; reason: string };

interface HttpFailure {
  hcloudCode?: string;
  message?: string;
  details?: unknown;
  correlationId?: string;
}

export class Pipeline {
  constructor(private readonly deps: PipelineDeps) {}

  async run<T>(
    spec: OperationSpec,
    send: Send,
    accept: (data: unknown) => T,
    options: RunOptions<T> = {},
  ): Promise<T> {
    const history: History = { attempts: 0, lockedCount: 0, lockedWaitedMs: 0 };
    let mustVerify = false;
    let answerLost = false;
    for (;;) {
      if (mustVerify && options.verify) {
        const found = await options.verify();
        if (found !== undefined) return found;
      }
      mustVerify = false;
      const attemptNo = history.attempts + history.lockedCount + 1;
      const attempt = await this.attempt(spec, send, attemptNo, options.signal);
      if (attempt.kind === 'ok') return accept(attempt.answer.data);
      if (answerLost && options.goneIsDone && attempt.kind === 'http' && attempt.outcome.status === 404) {
        return accept(undefined);
      }
      // A re-sent create that collides with itself: the lost first one did happen after all.
      if (
        answerLost &&
        options.verify &&
        attempt.kind === 'http' &&
        attempt.failure.hcloudCode === 'uniqueness_error'
      ) {
        const found = await options.verify();
        if (found !== undefined) return found;
      }
      // Waits on a busy resource (locked, conflict) are bounded by time, not by the attempt count.
      const locked = classifyOutcome(attempt.outcome).kind === 'locked';
      if (locked) history.lockedCount += 1;
      else history.attempts += 1;
      const decision = decide(attempt.outcome, spec.safety, history, this.deps.policy, this.deps.random);
      switch (decision.kind) {
        case 'done':
          return accept(undefined);
        case 'fail':
          throw this.failure(spec, attempt);
        case 'verify':
          if (!options.verify)
            throw lostAnswerError({ operation: spec.op, reason: decision.reason, where: spec.where });
          mustVerify = true;
          answerLost = true;
          break;
        case 'retry':
          answerLost ||=
            decision.reason === 'timeout' ||
            decision.reason === 'network' ||
            decision.reason === 'server-error';
          break;
      }
      if (locked) history.lockedWaitedMs += decision.delayMs;
      this.deps.emit({ type: 'retrying', op: spec.op, reason: decision.reason, delayMs: decision.delayMs });
      if (decision.delayMs > 0) await this.deps.sleep(decision.delayMs);
      options.signal?.throwIfAborted();
    }
  }

  private async attempt(
    spec: OperationSpec,
    send: Send,
    attemptNo: number,
    signal?: AbortSignal,
  ): Promise<Attempt> {
    signal?.throwIfAborted();
    const lease = await this.deps.budget.acquire((waitMs) =>
      this.deps.emit({ type: 'rate-limited', waitMs }),
    );
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error('request timeout'));
    }, this.deps.requestTimeoutMs);
    const onAbort = (): void => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const started = this.deps.now();
    const finished = (status: number | null): void =>
      this.deps.emit({
        type: 'request',
        op: spec.op,
        method: spec.method,
        path: spec.path,
        status,
        attempt: attemptNo,
        ms: Math.max(0, this.deps.now() - started),
      });
    try {
      const answer = await send(controller.signal);
      const { status, headers } = answer.response;
      lease.settle({ status, headers });
      finished(status);
      if (answer.response.ok) return { kind: 'ok', outcome: { kind: 'ok', status }, answer };
      const failure = this.readFailure(answer);
      return { kind: 'http', outcome: { kind: 'http', status, hcloudCode: failure.hcloudCode }, failure };
    } catch (error) {
      lease.settle();
      finished(null);
      if (signal?.aborted) throw signal.reason;
      if (timedOut) {
        return {
          kind: 'network',
          outcome: { kind: 'network', sent: true, timedOut: true },
          reason: `no answer within ${this.deps.requestTimeoutMs} ms`,
        };
      }
      return this.networkFailure(error);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private networkFailure(error: unknown): Attempt {
    if (error instanceof SyntaxError) {
      // The answer came but its body was not JSON: the request did arrive, its result is unknown.
      return {
        kind: 'network',
        outcome: { kind: 'network', sent: true, timedOut: false },
        reason: 'unreadable answer',
      };
    }
    const code = errorCode(error);
    if (code === undefined && !(error instanceof TypeError && error.message === 'fetch failed')) {
      // Not a network failure: a bug, surfaced as is unless its text would show the token.
      const text = describe(error);
      throw this.deps.scrub(text) === text ? error : new Error(this.deps.scrub(text));
    }
    const sent = code === undefined || !NOT_SENT_CODES.has(code);
    const reason = this.deps.scrub(describe(error));
    return { kind: 'network', outcome: { kind: 'network', sent, timedOut: false }, reason };
  }

  private readFailure(answer: RawAnswer): HttpFailure {
    const correlationId = answer.response.headers.get('x-correlation-id') ?? undefined;
    const body = answer.error;
    if (typeof body === 'object' && body !== null && 'error' in body) {
      const inner = (body as { error: unknown }).error;
      if (typeof inner === 'object' && inner !== null) {
        const { code, message, details } = inner as { code?: unknown; message?: unknown; details?: unknown };
        return {
          hcloudCode: typeof code === 'string' ? code : undefined,
          message: typeof message === 'string' ? this.deps.scrub(message) : undefined,
          details:
            details === undefined || details === null ? undefined : scrubDeep(details, this.deps.scrub),
          correlationId,
        };
      }
    }
    return { correlationId };
  }

  private failure(spec: OperationSpec, attempt: Attempt & { kind: 'http' | 'network' }): HcloudApiError {
    if (attempt.kind === 'network') {
      return unreachableError({
        operation: spec.op,
        endpoint: safeEndpoint(this.deps.endpoint),
        reason: attempt.reason,
        where: spec.where,
      });
    }
    const { failure, outcome } = attempt;
    return apiError({
      operation: spec.op,
      status: outcome.status,
      hcloudCode: failure.hcloudCode,
      hcloudMessage: failure.message,
      details: failure.details,
      where: spec.where,
      retryable: classifyOutcome(outcome).kind !== 'final',
      correlationId: failure.correlationId,
    });
  }
}

function errorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth += 1) {
    if (typeof current !== 'object') return undefined;
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function describe(error: unknown): string {
  const parts: string[] = [];
  for (let current = error, depth = 0; current && depth < 5; depth += 1) {
    if (current instanceof Error) parts.push(current.message);
    current = typeof current === 'object' ? (current as { cause?: unknown }).cause : undefined;
  }
  return parts.join(': ') || 'network error';
}

function scrubDeep(value: unknown, scrub: (text: string) => string): unknown {
  return JSON.parse(scrub(JSON.stringify(value)));
}

/** The endpoint as shown to a person: without any credentials embedded in the URL. */
export function safeEndpoint(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    url.username = '';
    url.password = '';
    url.search = '';
    return url.toString().replace(/\/$/, '');
  } catch {
    return 'the configured endpoint';
  }
}

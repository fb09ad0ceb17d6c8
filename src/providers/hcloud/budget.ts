/**
 * The request budget: a local model of Hetzner's rate-limit bucket, shared by every client of one
 * endpoint in the process (`sharedBudget`).
 *
 * Hetzner's bucket holds `RateLimit-Limit` requests (3600 by default) and refills one request per
 * 3600/limit seconds; `RateLimit-Remaining` says what is left and `RateLimit-Reset` (unix seconds) when the
 * bucket is full again. The budget keeps its own estimate, lowers it to what the answers report, and
 * never lets a request out while the estimate is below one token. Decisions are serialised, so concurrent
 * callers cannot spend the same token twice.
 */

const HOUR_MS = 3_600_000;
const DEFAULT_LIMIT = 3600;
/** Upper bound for a single wait derived from headers, against clock skew or a bogus header. */
const MAX_HEADER_WAIT_MS = 60_000;

export interface RequestBudgetOptions {
  /** Bucket size until the first answer says otherwise. */
  limit?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** The right to send one request. Settle it exactly once with the answer's headers (or none). */
export interface BudgetLease {
  settle(answer?: { status: number; headers: Headers }): void;
}

export interface BudgetSnapshot {
  limit: number;
  remaining: number;
  inFlight: number;
  blockedUntil: number;
}

export const realSleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

export class RequestBudget {
  private limit: number;
  private tokens: number;
  private refilledAt: number;
  private inFlight = 0;
  private blockedUntil = 0;
  private observed = false;
  /** While nothing is known about the bucket, one probe request goes first and the others wait for it. */
  private probe: Promise<void> | undefined;
  private endProbe: (() => void) | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: RequestBudgetOptions = {}) {
    this.limit = options.limit ?? DEFAULT_LIMIT;
    this.tokens = this.limit;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? realSleep;
    this.refilledAt = this.now();
  }

  /** Waits (calling `onWait` first) until a request may be sent, and takes one token for it. */
  acquire(onWait?: (waitMs: number) => void): Promise<BudgetLease> {
    const turn = this.queue.then(() => this.take(onWait));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  snapshot(): BudgetSnapshot {
    this.refill();
    return {
      limit: this.limit,
      remaining: this.tokens,
      inFlight: this.inFlight,
      blockedUntil: this.blockedUntil,
    };
  }

  private get msPerToken(): number {
    return HOUR_MS / this.limit;
  }

  private refill(): void {
    const now = this.now();
    const elapsed = now - this.refilledAt;
    if (elapsed > 0) {
      this.tokens = Math.min(this.limit, this.tokens + elapsed / this.msPerToken);
    }
    this.refilledAt = now;
  }

  private async take(onWait?: (waitMs: number) => void): Promise<BudgetLease> {
    if (!this.observed && this.probe) await this.probe;
    if (!this.observed && !this.probe) {
      this.probe = new Promise<void>((resolve) => {
        this.endProbe = resolve;
      });
    }
    this.refill();
    let waitMs = Math.max(0, this.blockedUntil - this.now());
    if (this.tokens - 1 < 0) {
      waitMs = Math.max(waitMs, Math.ceil((1 - this.tokens) * this.msPerToken));
    }
    if (waitMs > 0) {
      onWait?.(waitMs);
      await this.sleep(waitMs);
      this.refill();
      // The wait was computed to bring one token; trust it even if the clock did not move (injected clocks).
      this.tokens = Math.max(this.tokens, 1);
    }
    this.tokens -= 1;
    this.inFlight += 1;
    return this.lease();
  }

  private lease(): BudgetLease {
    let settled = false;
    return {
      settle: (answer) => {
        if (settled) return;
        settled = true;
        this.inFlight -= 1;
        if (answer) this.observe(answer.status, answer.headers);
        if (this.endProbe) {
          this.endProbe();
          this.endProbe = undefined;
          this.probe = undefined;
        }
      },
    };
  }

  private observe(status: number, headers: Headers): void {
    const limit = headerNumber(headers, 'ratelimit-limit');
    const remaining = headerNumber(headers, 'ratelimit-remaining');
    const reset = headerNumber(headers, 'ratelimit-reset');
    // Any answer ends the probe phase, also one without rate-limit headers (then there is nothing to follow).
    this.observed = true;
    if (limit !== undefined && limit > 0) this.limit = limit;
    this.refill();
    if (remaining !== undefined && status !== 429) {
      // The server's count is the truth (it also resyncs after a refusal that did not mean an empty
      // bucket); requests still in flight may not be counted in it yet, so assume they are not.
      this.tokens = Math.min(Math.max(0, remaining - this.inFlight), this.limit);
    }
    if (status === 429) {
      this.tokens = Math.min(this.tokens, 0);
      this.blockedUntil = Math.max(this.blockedUntil, this.now() + this.waitAfterRefusal(headers, reset));
    }
  }

  /** How long a 429 says to wait: until the first token of the refill that ends at `RateLimit-Reset`. */
  private waitAfterRefusal(headers: Headers, reset: number | undefined): number {
    const retryAfterS = headerNumber(headers, 'retry-after');
    let waitMs = retryAfterS === undefined ? 0 : retryAfterS * 1000;
    if (reset !== undefined) {
      const fullInMs = reset * 1000 - this.now();
      const firstTokenInMs = fullInMs - (this.limit - 1) * this.msPerToken;
      waitMs = Math.max(waitMs, firstTokenInMs);
    }
    if (waitMs <= 0 || !Number.isFinite(waitMs)) waitMs = this.msPerToken;
    return Math.min(Math.ceil(waitMs), MAX_HEADER_WAIT_MS);
  }
}

function headerNumber(headers: Headers, name: string): number | undefined {
  const raw = headers.get(name);
  if (raw === null || raw.trim() === '') return undefined;
  const value = Number(raw);
  return Number.isFinite(value) ? value : undefined;
}

const budgets = new Map<string, RequestBudget>();

/** The one budget of this process for an endpoint (Hetzner limits per project; one endpoint, one bucket). */
export function sharedBudget(endpoint: string): RequestBudget {
  const key = endpoint.replace(/\/+$/, '');
  let budget = budgets.get(key);
  if (!budget) {
    budget = new RequestBudget();
    budgets.set(key, budget);
  }
  return budget;
}

/** Request counters for `GET /_sandbox/stats`. Kept in memory; reset by `POST /_sandbox/stats/reset`. */

export interface SandboxStats {
  requests: Record<string, Record<string, number>>;
  total: number;
  /** Injected error answers (not counting dropped ones). */
  faults: number;
  /** Mutating requests performed whose answer was then lost. */
  dropped: number;
  /** Real 429s from the token bucket (not injected ones). */
  rateLimited: number;
}

export class StatsRecorder {
  private stats: SandboxStats = StatsRecorder.empty();

  static empty(): SandboxStats {
    return { requests: {}, total: 0, faults: 0, dropped: 0, rateLimited: 0 };
  }

  /** `status` is the HTTP status, or `dropped` when no answer was sent. */
  record(operationId: string, status: number | 'dropped'): void {
    const byStatus = (this.stats.requests[operationId] ??= {});
    const key = String(status);
    byStatus[key] = (byStatus[key] ?? 0) + 1;
    this.stats.total++;
  }

  fault(): void {
    this.stats.faults++;
  }

  dropped(): void {
    this.stats.dropped++;
  }

  rateLimited(): void {
    this.stats.rateLimited++;
  }

  snapshot(): SandboxStats {
    return structuredClone(this.stats);
  }

  reset(): void {
    this.stats = StatsRecorder.empty();
  }
}

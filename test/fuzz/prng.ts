/**
 * A small seeded PRNG (mulberry32) for the fuzz suites: the same seed gives the same cases on
 * every machine, so a failure names a case that can be run again. `HK8S_FUZZ_SEED` overrides it.
 */
export const FUZZ_SEED = Number(process.env.HK8S_FUZZ_SEED ?? 20260312);

export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)]!;
  }
}

/** Prints what a suite tried, so that CI logs show the count. */
export function reportCases(
  suite: string,
  counts: Record<string, number>,
  outcomes: Record<string, number>,
): void {
  const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
  const list = (record: Record<string, number>): string =>
    Object.entries(record)
      .map(([name, n]) => `${name} ${n}`)
      .join(', ');
  process.stdout.write(
    `fuzz ${suite}: ${total} cases (seed ${FUZZ_SEED}): ${list(counts)}; outcomes: ${list(outcomes)}\n`,
  );
}

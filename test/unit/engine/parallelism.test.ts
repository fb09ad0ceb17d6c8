import { describe, expect, it } from 'vitest';
import { defaultParallelism } from '../../../src/engine/parallelism.js';

describe('defaultParallelism', () => {
  it.each([
    ['a full bucket feeds the largest plans up to 100', 3600, 500, 100],
    ['never more than the plan has actions', 3600, 35, 35],
    ['a bucket a third full, 1200 / 20', 1200, 500, 60],
    ['a nearly empty bucket still runs a few', 30, 500, 4],
    ['a one-action plan runs one', 3600, 1, 1],
    ['without a known budget: the former 10', undefined, 500, 10],
  ])('%s', (_name, remaining, actions, expected) => {
    const budget = remaining === undefined ? undefined : { remaining };
    expect(defaultParallelism(budget, actions)).toBe(expected);
  });
});

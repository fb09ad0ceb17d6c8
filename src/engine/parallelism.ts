/**
 * How many actions run at once when `--parallelism` is not given: as many as the plan can use and
 * the Hetzner request budget can feed. A running action spends requests while it runs (its create
 * or update, then polls of its Hetzner actions), so the bucket's remaining tokens, shared out at
 * REQUESTS_PER_RUNNING_ACTION each, say how many can run without draining it; a fixed 10 left a
 * full bucket idle on a large create, and a nearly empty one still gets a few.
 */
export const MAX_PARALLELISM = 100;
/** Without a known budget (fakes, a provider with no request bucket): the former fixed default. */
export const FALLBACK_PARALLELISM = 10;
const MIN_PARALLELISM = 4;
/** What one running action is expected to take from the bucket over its life (create, polls). */
export const REQUESTS_PER_RUNNING_ACTION = 20;

export function defaultParallelism(budget: { remaining: number } | undefined, actions: number): number {
  const byBudget =
    budget === undefined
      ? FALLBACK_PARALLELISM
      : Math.max(MIN_PARALLELISM, Math.floor(budget.remaining / REQUESTS_PER_RUNNING_ACTION));
  return Math.max(1, Math.min(MAX_PARALLELISM, byBudget, actions));
}

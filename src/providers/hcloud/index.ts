/** Public surface of the Hetzner Cloud provider. */
export { createHcloudClient, resolveEndpoint, DEFAULT_ENDPOINT } from './client.js';
export type { HcloudClient, HcloudClientOptions } from './client.js';
export type {
  HcloudApi,
  NetworkApi,
  FirewallApi,
  ServerApi,
  LoadBalancerApi,
  FloatingIpApi,
  CrudApi,
  ReadApi,
  CallOptions,
  UnsafeCallOptions,
  Created,
  ActionResult,
  ResourceUpdate,
} from './api.js';
export { RequestBudget, sharedBudget } from './budget.js';
export type { BudgetLease, BudgetSnapshot, RequestBudgetOptions } from './budget.js';
export { HcloudApiError, HcloudActionError, isHcloudApiError, HINTS } from './errors.js';
export type { HcloudEvent, RetryReason } from './events.js';
export type { WaitOptions, PollIntervals } from './actions.js';
export type { ListFilter } from './paging.js';
export type { Safety } from './retry-policy.js';
export * from './types.js';

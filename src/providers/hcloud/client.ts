/**
 * `createHcloudClient`: the Hetzner Cloud client hk8s uses. It wires the generated openapi-fetch client,
 * the shared request budget, the retry pipeline, the coalesced action waiter and the per-kind operations.
 * The token lives only in the Authorization header given to openapi-fetch: it is no property of anything
 * returned, and the pipeline scrubs it from every text that could end up in an error.
 */
import { inspect } from 'node:util';
import createClient from 'openapi-fetch';
import { Hk8sError } from '../../errors.js';
import { ActionWaiter, DEFAULT_POLL_INTERVALS, type PollIntervals, type WaitOptions } from './actions.js';
import type { CallOptions, Created, HcloudApi } from './api.js';
import { RequestBudget, realSleep, sharedBudget, type BudgetSnapshot } from './budget.js';
import { HINTS } from './errors.js';
import type { HcloudEvent } from './events.js';
import { createResource, crudFor } from './operations/crud.js';
import { firewallApi } from './operations/firewalls.js';
import { floatingIpApi } from './operations/floating-ips.js';
import { imageApi } from './operations/images.js';
import { loadBalancerApi } from './operations/load-balancers.js';
import { networkApi } from './operations/networks.js';
import { serverApi } from './operations/servers.js';
import { listAll, type ListFilter } from './paging.js';
import { Pipeline, safeEndpoint } from './pipeline.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicyOptions } from './retry-policy.js';
import { Transport } from './transport.js';
import type { Action, CreateBody, ListKind, ManagedKind, ResourceOf, paths } from './types.js';

export const DEFAULT_ENDPOINT = 'https://api.hetzner.cloud/v1';

/** The endpoint to use: the caller's, else `HCLOUD_ENDPOINT`, else Hetzner's public API. */
export function resolveEndpoint(given?: string, env: NodeJS.ProcessEnv = process.env): string {
  const endpoint = given ?? env.HCLOUD_ENDPOINT;
  return endpoint === undefined || endpoint.trim() === '' ? DEFAULT_ENDPOINT : endpoint.trim();
}

export interface HcloudClientOptions {
  /** Defaults to `resolveEndpoint()` (HCLOUD_ENDPOINT, then https://api.hetzner.cloud/v1). */
  endpoint?: string;
  token: string;
  /** Defaults to `sharedBudget(endpoint)`, the one budget of this process for the endpoint. */
  budget?: RequestBudget;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
  onEvent?: (event: HcloudEvent) => void;
  /** Attempts per operation for transient failures. Default 5. */
  maxAttempts?: number;
  /** Per-request timeout. Default 30 s. */
  requestTimeoutMs?: number;
  /** Backoff and locked-wait tuning (tests and the sandbox scale these down). */
  retry?: Partial<Omit<RetryPolicyOptions, 'maxAttempts'>>;
  /** Action polling interval: 500 ms growing ×1.5 to 2 s by default. */
  pollIntervals?: Partial<PollIntervals>;
}

export interface HcloudClient extends HcloudApi {
  /** The endpoint, without any credentials. */
  readonly endpoint: string;
  listAll<K extends ListKind>(kind: K, filter?: ListFilter<K>): Promise<ResourceOf<K>[]>;
  createResource<K extends ManagedKind>(
    kind: K,
    body: CreateBody<K>,
    address: string,
    options?: CallOptions,
  ): Promise<Created<ResourceOf<K>>>;
  waitForActions(ids: readonly number[], options?: WaitOptions): Promise<Action[]>;
  /** The request budget as this process knows it now (from the latest RateLimit headers). */
  budget(): BudgetSnapshot;
}

const DEFAULT_TIMEOUT_MS = 30_000;

function checkedToken(token: unknown): string {
  if (typeof token !== 'string' || token.trim() === '') {
    throw new Hk8sError('provider.auth', 'no Hetzner Cloud API token was given', { hint: HINTS.auth });
  }
  // Checked here so that no header error (which would quote the value) can ever carry it.
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new Hk8sError('provider.auth', 'the Hetzner Cloud API token holds characters no token has', {
      hint: HINTS.auth,
    });
  }
  return token;
}

function checkedEndpoint(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Hk8sError('usage', 'the Hetzner Cloud endpoint is not a URL', { hint: ENDPOINT_HINT });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Hk8sError('usage', `the Hetzner Cloud endpoint must be http(s), not ${url.protocol}`, {
      hint: ENDPOINT_HINT,
    });
  }
  if (url.username || url.password) {
    throw new Hk8sError('usage', 'the Hetzner Cloud endpoint must not hold credentials', {
      hint: ENDPOINT_HINT,
    });
  }
  return endpoint.replace(/\/+$/, '');
}

const ENDPOINT_HINT =
  'set HCLOUD_ENDPOINT to a URL like https://api.hetzner.cloud/v1 (the token goes in HCLOUD_TOKEN)';

export function createHcloudClient(options: HcloudClientOptions): HcloudClient {
  const endpoint = checkedEndpoint(resolveEndpoint(options.endpoint));
  const token = checkedToken(options.token);
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const emit = options.onEvent ?? ((): void => undefined);
  const openapi = createClient<paths>({
    baseUrl: endpoint,
    headers: { Authorization: `Bearer ${token}`, 'User-Agent': 'hk8s' },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const budget = options.budget ?? sharedBudget(endpoint);
  const pipeline = new Pipeline({
    endpoint,
    budget,
    policy: {
      ...DEFAULT_RETRY_POLICY,
      ...options.retry,
      maxAttempts: options.maxAttempts ?? DEFAULT_RETRY_POLICY.maxAttempts,
    },
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS,
    sleep,
    random: options.random ?? Math.random,
    now,
    emit,
    scrub: (text) => text.split(token).join('[redacted]'),
  });
  const transport = new Transport(openapi, pipeline);
  const waiter = new ActionWaiter({
    fetchActions: async (ids) =>
      (
        await transport.call(
          'GET',
          '/actions',
          { query: { id: ids } },
          { op: 'get_multiple_actions', safety: 'idempotent' },
        )
      ).actions,
    sleep,
    now,
    emit,
    intervals: { ...DEFAULT_POLL_INTERVALS, ...options.pollIntervals },
  });
  const shownEndpoint = safeEndpoint(endpoint);
  const read = <K extends ListKind>(kind: K) => ({
    list: (filter?: ListFilter<K>) => listAll(transport, kind, filter),
  });
  return {
    endpoint: shownEndpoint,
    listAll: (kind, filter) => listAll(transport, kind, filter),
    createResource: (kind, body, address, callOptions) =>
      createResource(transport, kind, body, address, callOptions),
    waitForActions: (ids, waitOptions) => waiter.wait(ids, waitOptions),
    budget: () => budget.snapshot(),
    networks: networkApi(transport),
    firewalls: firewallApi(transport),
    sshKeys: crudFor(transport, 'ssh_keys'),
    placementGroups: crudFor(transport, 'placement_groups'),
    servers: serverApi(transport),
    loadBalancers: loadBalancerApi(transport),
    volumes: crudFor(transport, 'volumes'),
    certificates: crudFor(transport, 'certificates'),
    primaryIps: read('primary_ips'),
    floatingIps: floatingIpApi(transport),
    images: imageApi(transport),
    serverTypes: read('server_types'),
    locations: read('locations'),
    loadBalancerTypes: read('load_balancer_types'),
    toString: () => `HcloudClient(${shownEndpoint})`,
    [inspect.custom]: () => `HcloudClient(${shownEndpoint})`,
  } as HcloudClient;
}

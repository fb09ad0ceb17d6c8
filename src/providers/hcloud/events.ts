/**
 * What the Hetzner Cloud client reports while it works. Callers (the engine, the CLI renderer, tests)
 * receive these through `onEvent`; the client itself never writes to the terminal. No event carries
 * a header, a request body or the token.
 */
import type { HttpMethod } from './types.js';

/** One HTTP exchange ended: with a status, or with `status: null` when no answer came (network, timeout). */
export interface RequestFinishedEvent {
  type: 'request';
  op: string;
  method: HttpMethod;
  path: string;
  status: number | null;
  attempt: number;
  ms: number;
}

/** The pipeline is about to try an operation again after `delayMs`. */
export interface RetryingEvent {
  type: 'retrying';
  op: string;
  reason: RetryReason;
  delayMs: number;
}

/** The request budget holds a request back until the rate-limit bucket has a token again. */
export interface RateLimitedEvent {
  type: 'rate-limited';
  waitMs: number;
}

/** One poll of pending actions: mean progress (0–100) of `actionIds` and how many still run. */
export interface ActionProgressEvent {
  type: 'action-progress';
  actionIds: number[];
  progress: number;
  running: number;
}

export type HcloudEvent = RequestFinishedEvent | RetryingEvent | RateLimitedEvent | ActionProgressEvent;

/** Why a request is tried again. */
export type RetryReason =
  'rate-limited' | 'locked' | 'conflict' | 'server-error' | 'unavailable' | 'timeout' | 'network' | 'verify';

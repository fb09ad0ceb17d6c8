/**
 * Errors of the Hetzner Cloud client. Every failure a person can act on becomes an HcloudApiError
 * with a stable hk8s code and a hint; the token never reaches one (see `scrub` in the pipeline).
 */
import { Hk8sError, type ErrorCode } from '../../errors.js';

export interface HcloudApiErrorInit {
  code: ErrorCode;
  message: string;
  operation: string;
  /** HTTP status, when an answer came. */
  status?: number;
  /** Hetzner's error code (`invalid_input`, `locked`, …), when the answer or the action carried one. */
  hcloudCode?: string;
  details?: unknown;
  where?: string;
  hint?: string;
  detail?: string;
  retryable: boolean;
  correlationId?: string;
}

export class HcloudApiError extends Hk8sError {
  readonly status?: number;
  readonly hcloudCode?: string;
  readonly details?: unknown;
  readonly operation: string;
  readonly retryable: boolean;
  readonly correlationId?: string;

  constructor(init: HcloudApiErrorInit) {
    super(init.code, init.message, { where: init.where, hint: init.hint, detail: init.detail });
    this.name = 'HcloudApiError';
    this.status = init.status;
    this.hcloudCode = init.hcloudCode;
    this.details = init.details;
    this.operation = init.operation;
    this.retryable = init.retryable;
    this.correlationId = init.correlationId;
  }

  override toJSON(): ReturnType<Hk8sError['toJSON']> & Record<string, unknown> {
    return {
      ...super.toJSON(),
      operation: this.operation,
      retryable: this.retryable,
      ...(this.status === undefined ? {} : { status: this.status }),
      ...(this.hcloudCode === undefined ? {} : { hcloudCode: this.hcloudCode }),
      ...(this.details === undefined ? {} : { details: this.details }),
      ...(this.correlationId === undefined ? {} : { correlationId: this.correlationId }),
    };
  }
}

/** An action that Hetzner ran and that ended in status `error`. */
export class HcloudActionError extends HcloudApiError {
  readonly actionId: number;
  readonly command: string;

  constructor(init: HcloudApiErrorInit & { actionId: number; command: string }) {
    super(init);
    this.name = 'HcloudActionError';
    this.actionId = init.actionId;
    this.command = init.command;
  }
}

export const HINTS = {
  auth: 'check HCLOUD_TOKEN (a read-write API token of the project)',
  limit: 'ask Hetzner for a higher limit (Console → Limits) or reduce the count',
  unavailable: 'try another location or server type',
  unreachable: 'check the network connection and HCLOUD_ENDPOINT, then run again',
  lostAnswer: 'run again: hk8s looks the resource up before it repeats the change',
} as const;

interface Classified {
  code: ErrorCode;
  hint?: string;
}

/** Maps an HTTP status and Hetzner error code to the hk8s error code and hint. */
export function classifyApiFailure(status: number | undefined, hcloudCode: string | undefined): Classified {
  if (status === 401 || hcloudCode === 'unauthorized' || hcloudCode === 'token_readonly') {
    return { code: 'provider.auth', hint: HINTS.auth };
  }
  // eslint-disable-next-line @typescript-eslint/switch-exhaustiveness-check -- Hetzner's error codes are an open set; the default maps the rest
  switch (hcloudCode) {
    case 'resource_limit_exceeded':
      return { code: 'provider.limit', hint: HINTS.limit };
    case 'resource_unavailable':
    case 'placement_error':
      return { code: 'provider.unavailable', hint: HINTS.unavailable };
    default:
      return { code: 'provider.api' };
  }
}

export interface ApiFailure {
  operation: string;
  status?: number;
  hcloudCode?: string;
  hcloudMessage?: string;
  details?: unknown;
  where?: string;
  retryable: boolean;
  correlationId?: string;
}

/** The error for an answer Hetzner gave (an error body or a bare failing status). */
export function apiError(failure: ApiFailure): HcloudApiError {
  const { code, hint } = classifyApiFailure(failure.status, failure.hcloudCode);
  const what = failure.hcloudMessage ?? (failure.status === undefined ? 'failed' : `HTTP ${failure.status}`);
  const tag = [failure.hcloudCode, failure.status === undefined ? undefined : `HTTP ${failure.status}`]
    .filter((part) => part !== undefined)
    .join(', ');
  return new HcloudApiError({
    code,
    message: `Hetzner Cloud ${failure.operation}: ${what}${tag ? ` (${tag})` : ''}`,
    operation: failure.operation,
    status: failure.status,
    hcloudCode: failure.hcloudCode,
    details: failure.details,
    where: failure.where,
    hint,
    retryable: failure.retryable,
    correlationId: failure.correlationId,
  });
}

/** The error after every attempt to reach the endpoint failed without an answer. */
export function unreachableError(args: {
  operation: string;
  endpoint: string;
  reason: string;
  where?: string;
}): HcloudApiError {
  return new HcloudApiError({
    code: 'provider.unreachable',
    message: `Hetzner Cloud API at ${args.endpoint} could not be reached for ${args.operation} (${args.reason})`,
    operation: args.operation,
    where: args.where,
    hint: HINTS.unreachable,
    retryable: true,
  });
}

/**
 * The answer to a non-repeatable change was lost and the caller gave no way to check whether it happened:
 * sending it again could do it twice, so hk8s stops and says so.
 */
export function lostAnswerError(args: { operation: string; reason: string; where?: string }): HcloudApiError {
  return new HcloudApiError({
    code: 'provider.api',
    message: `the answer to Hetzner Cloud ${args.operation} was lost (${args.reason}); whether it took effect is unknown`,
    operation: args.operation,
    where: args.where,
    hint: HINTS.lostAnswer,
    retryable: true,
  });
}

export function isHcloudApiError(error: unknown): error is HcloudApiError {
  return error instanceof HcloudApiError;
}

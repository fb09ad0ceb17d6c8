/**
 * Errors of the Talos API client. A gRPC failure, or a reply message whose `metadata.error` is set
 * (apid's way of reporting one node's failure inside a proxied reply), becomes a TalosApiError.
 */
import type { ServiceError } from '@grpc/grpc-js';
import { Hk8sError, type ErrorCode } from '../../../errors.js';

/**
 * gRPC status codes (fixed by the gRPC spec), by name and by number, as `@grpc/grpc-js`'s
 * `status` enum has them: kept here so that this module loads without the gRPC library.
 */
const STATUS_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

const GrpcStatus = Object.fromEntries(STATUS_NAMES.map((name, code) => [name, code])) as {
  [K in (typeof STATUS_NAMES)[number]]: number;
};

/** The name of a status code, e.g. `UNAVAILABLE` for 14. */
const statusName = (code: number): string | undefined => STATUS_NAMES[code];

export interface TalosApiErrorInit {
  code: ErrorCode;
  message: string;
  /** RPC name, e.g. `Bootstrap`. */
  method: string;
  /** `host:port` of the endpoint, plus ` → node` when the call targeted a node through it. */
  where: string;
  /** Numeric gRPC status, or undefined for a `metadata.error` without a status. */
  grpcCode?: number;
  hint?: string;
  detail?: string;
  cause?: unknown;
}

export class TalosApiError extends Hk8sError {
  readonly method: string;
  readonly grpcCode?: number;

  constructor(init: TalosApiErrorInit) {
    super(init.code, init.message, {
      where: init.where,
      hint: init.hint,
      detail: init.detail,
      cause: init.cause,
    });
    this.name = 'TalosApiError';
    this.method = init.method;
    this.grpcCode = init.grpcCode;
  }

  /** The gRPC status name (`ALREADY_EXISTS`, …), or undefined. */
  get grpcStatus(): string | undefined {
    return this.grpcCode === undefined ? undefined : statusName(this.grpcCode);
  }

  override toJSON(): ReturnType<Hk8sError['toJSON']> & Record<string, unknown> {
    return {
      ...super.toJSON(),
      method: this.method,
      ...(this.grpcCode === undefined ? {} : { grpcCode: this.grpcCode, grpcStatus: this.grpcStatus }),
    };
  }
}

const HINTS = {
  auth: "use the cluster's talosconfig credentials (a client certificate from its OS CA with the os:admin role)",
  unreachable: 'check that the node is powered on and port 50000 is reachable, then run again',
  api: 'read the message: the node refused the request',
  notFound: 'the node does not offer this API in its current state or version',
} as const;

function classify(code: number): { code: ErrorCode; hint: string } {
  switch (code) {
    case GrpcStatus.UNAUTHENTICATED:
    case GrpcStatus.PERMISSION_DENIED:
      return { code: 'provider.auth', hint: HINTS.auth };
    case GrpcStatus.UNAVAILABLE:
    case GrpcStatus.DEADLINE_EXCEEDED:
      return { code: 'provider.unreachable', hint: HINTS.unreachable };
    case GrpcStatus.RESOURCE_EXHAUSTED:
      return { code: 'provider.limit', hint: HINTS.api };
    case GrpcStatus.UNIMPLEMENTED:
      return { code: 'provider.api', hint: HINTS.notFound };
    default:
      return { code: 'provider.api', hint: HINTS.api };
  }
}

/** A TLS handshake refusal shows up as UNAVAILABLE; name it as the credential problem it is. */
function looksLikeTlsRefusal(text: string): boolean {
  return /certificate|handshake|alert|self[- ]signed|unable to verify|ERR_TLS|SSL routines/i.test(text);
}

export function fromServiceError(error: ServiceError, method: string, where: string): TalosApiError {
  const text = error.details || error.message;
  let { code, hint } = classify(error.code);
  if (error.code === GrpcStatus.UNAVAILABLE && looksLikeTlsRefusal(text)) {
    code = 'provider.auth';
    hint = `check the client certificate and the CA: the TLS handshake failed; ${HINTS.auth}`;
  }
  const name = statusName(error.code) ?? String(error.code);
  return new TalosApiError({
    code,
    message: `${method}: ${name}: ${text}`,
    method,
    where,
    grpcCode: error.code,
    hint,
    cause: error,
  });
}

/** `metadata.error` of one reply message (apid's per-node failure inside an OK reply). */
export function fromMetadataError(
  metadata: { hostname?: string; error?: string; status?: { code?: number; message?: string } | null },
  method: string,
  endpoint: string,
  node?: string,
): TalosApiError {
  const grpcCode = metadata.status?.code ? metadata.status.code : undefined;
  const target = metadata.hostname || node;
  return new TalosApiError({
    code: 'provider.api',
    message: `${method}: ${metadata.error ?? 'unknown error'}`,
    method,
    where: target ? `${endpoint} → ${target}` : endpoint,
    grpcCode,
    hint: grpcCode === undefined ? HINTS.api : classify(grpcCode).hint,
  });
}

export function isServiceError(error: unknown): error is ServiceError {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'number' &&
    'metadata' in error
  );
}

/**
 * Turns what client-node throws into KubeApiError: an ApiException (an HTTP answer that is not 2xx,
 * whose body is a Kubernetes Status), a node-fetch FetchError (no answer), or our own timeout.
 * Messages carry the operation and the server's Status message, never request bodies or credentials.
 */
import { KubeApiError, type KubeErrorCode } from '../errors.js';
import type { RequestTimeout } from './call-scope.js';

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface KubeStatus {
  message?: string;
  reason?: string;
  causes: StatusCause[];
  retryAfterSeconds?: number;
}

interface ApiExceptionLike {
  code: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** client-node's ApiException: a numeric HTTP `code` and the raw `body` (duck-typed: the class is loaded lazily). */
export function isApiException(error: unknown): error is ApiExceptionLike & Error {
  return (
    error instanceof Error &&
    typeof (error as Partial<ApiExceptionLike>).code === 'number' &&
    'body' in error &&
    'headers' in error
  );
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

export function parseStatus(body: unknown, headers: Record<string, string> = {}): KubeStatus {
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return { message: body.trim().slice(0, 300) || undefined, causes: [] };
    }
  }
  const status = asRecord(parsed) ?? {};
  const details = asRecord(status['details']) ?? {};
  const causes = (Array.isArray(details['causes']) ? details['causes'] : [])
    .map(asRecord)
    .filter((c): c is Record<string, unknown> => c !== undefined)
    .map((c) => ({
      ...(typeof c['reason'] === 'string' ? { reason: c['reason'] } : {}),
      ...(typeof c['message'] === 'string' ? { message: c['message'] } : {}),
      ...(typeof c['field'] === 'string' ? { field: c['field'] } : {}),
    }));
  const retryHeader = Number(headers['retry-after']);
  const retryAfter =
    typeof details['retryAfterSeconds'] === 'number'
      ? details['retryAfterSeconds']
      : Number.isFinite(retryHeader)
        ? retryHeader
        : undefined;
  return {
    ...(typeof status['message'] === 'string' ? { message: status['message'] } : {}),
    ...(typeof status['reason'] === 'string' ? { reason: status['reason'] } : {}),
    causes,
    ...(retryAfter !== undefined && retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}),
  };
}

/** The Status message followed by its causes' messages (a 429 names the budget only in a cause). */
export function statusText(status: KubeStatus): string {
  const causes = status.causes.map((c) => c.message).filter((m): m is string => Boolean(m));
  return [status.message, ...causes].filter(Boolean).join(' ') || 'no message';
}

function codeForStatus(httpStatus: number): KubeErrorCode {
  if (httpStatus === 401 || httpStatus === 403) return 'kube.auth';
  if (httpStatus === 404) return 'kube.not-found';
  if (httpStatus === 409) return 'kube.conflict';
  if (httpStatus === 400 || httpStatus === 415 || httpStatus === 422) return 'kube.invalid';
  if (httpStatus === 429) return 'kube.limit';
  // 500 is a definite answer (e.g. a pod under two budgets); only gateway-style errors are worth a retry.
  if (httpStatus === 502 || httpStatus === 503 || httpStatus === 504) return 'kube.unavailable';
  return 'kube.api';
}

const HINTS: Record<KubeErrorCode, string | undefined> = {
  'kube.auth':
    "use the cluster's admin kubeconfig (its client certificate must come from the cluster's Kubernetes CA)",
  'kube.unreachable':
    'check that the control-plane endpoint answers on port 6443 (are the control planes up?), then run again',
  'kube.unavailable': 'the API server is starting or overloaded; run again in a moment',
  'kube.limit': 'the API server is throttling requests; run again in a moment',
  'kube.conflict':
    'another field manager owns these fields: change them through that manager, or apply with force',
  'kube.invalid': 'read the message: the server rejected the request as written',
  'kube.not-found': undefined,
  'kube.api': 'read the message: the API server refused the request',
  'kube.drain-blocked': undefined,
  'kube.drain-refused': undefined,
  'kube.nodes-not-ready': undefined,
  'kube.kubeconfig': undefined,
};

const TLS_CODE = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/;

function fetchErrorCode(error: Error): string | undefined {
  const withCode = error as Error & { code?: unknown; errno?: unknown };
  if (typeof withCode.code === 'string') return withCode.code;
  return typeof withCode.errno === 'string' ? withCode.errno : undefined;
}

export function toKubeApiError(
  error: unknown,
  operation: string,
  where: string,
  timedOut: RequestTimeout | undefined,
): KubeApiError {
  if (timedOut) {
    return new KubeApiError(
      'kube.unreachable',
      `${operation}: the API server did not answer within ${timedOut.timeoutMs}ms`,
      {
        where,
        hint: HINTS['kube.unreachable'],
        cause: error,
      },
    );
  }
  if (isApiException(error)) {
    const status = parseStatus(error.body, error.headers);
    const code = codeForStatus(error.code);
    const reason = status.reason ? ` ${status.reason}` : '';
    const serverMessage = statusText(status);
    return new KubeApiError(code, `${operation}: HTTP ${error.code}${reason}: ${serverMessage}`, {
      serverMessage,
      where,
      status: error.code,
      reason: status.reason,
      causes: status.causes,
      retryAfterSeconds: status.retryAfterSeconds,
      hint: HINTS[code],
    });
  }
  if (error instanceof Error && (error.name === 'FetchError' || fetchErrorCode(error) !== undefined)) {
    const errno = fetchErrorCode(error) ?? '';
    const tls = TLS_CODE.test(errno) || TLS_CODE.test(error.message);
    const code: KubeErrorCode = tls ? 'kube.auth' : 'kube.unreachable';
    // A server refusing our client certificate (TLS 1.3) only shows as a reset connection.
    const hint = tls
      ? `the TLS handshake failed (${errno || 'certificate'}): check that the kubeconfig's CA and client certificate belong to this cluster`
      : errno === 'ECONNRESET'
        ? "the connection was reset: the API server is restarting, or it refused the kubeconfig's client certificate"
        : HINTS['kube.unreachable'];
    return new KubeApiError(code, `${operation}: ${error.message}`, { where, hint, cause: error });
  }
  throw error;
}

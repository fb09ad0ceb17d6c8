/**
 * Per-call abort signal and timeout for client-node requests. client-node builds each request deep
 * inside its generated code (and KubernetesObjectApi runs its discovery GET on its own), so the
 * signal cannot be handed down as an argument; instead each call runs inside an AsyncLocalStorage
 * scope and one middleware, installed once, stamps the scope's signal on every request it sends.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Middleware, RequestContext, ResponseContext } from '@kubernetes/client-node';

interface Scope {
  signal: AbortSignal;
}

const scopes = new AsyncLocalStorage<Scope>();

export const signalMiddleware: Middleware = {
  pre: (context: RequestContext) => {
    const scope = scopes.getStore();
    if (scope) context.setSignal(scope.signal);
    return Promise.resolve(context);
  },
  post: (context: ResponseContext) => Promise.resolve(context),
};

/** Distinguishes our own timeout from the caller's abort once the request has failed. */
export class RequestTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs}ms`);
    this.name = 'RequestTimeout';
  }
}

/**
 * Runs `fn` with a signal that aborts on the caller's signal or after `timeoutMs`. On failure,
 * `onError` gets the error and what stopped the request: the caller's abort is rethrown as the
 * caller's own reason, so an interrupted run is never reported as a Kubernetes failure.
 */
export async function inScope<T>(
  callerSignal: AbortSignal | undefined,
  timeoutMs: number,
  fn: () => Promise<T>,
  onError: (error: unknown, timedOut: RequestTimeout | undefined) => never,
): Promise<T> {
  callerSignal?.throwIfAborted();
  const controller = new AbortController();
  const timeout = new RequestTimeout(timeoutMs);
  const timer = setTimeout(() => controller.abort(timeout), timeoutMs);
  const onAbort = () => controller.abort(callerSignal?.reason);
  callerSignal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await scopes.run({ signal: controller.signal }, fn);
  } catch (error) {
    if (callerSignal?.aborted) throw callerSignal.reason;
    return onError(error, controller.signal.reason === timeout ? timeout : undefined);
  } finally {
    clearTimeout(timer);
    callerSignal?.removeEventListener('abort', onAbort);
  }
}

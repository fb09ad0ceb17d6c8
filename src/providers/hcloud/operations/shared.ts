/** Helpers shared by the per-kind operations: reading actions out of answers and posting actions. */
import type { ActionResult, CallOptions, UnsafeCallOptions } from '../api.js';
import type { Safety } from '../retry-policy.js';
import type { Transport } from '../transport.js';
import type { Action, JsonBody, PathWith } from '../types.js';

/** Every action an answer carries, under `action`, `actions` or `next_actions`. */
export function collectActions(data: unknown): Action[] {
  if (typeof data !== 'object' || data === null) return [];
  const answer = data as { action?: Action | null; actions?: Action[]; next_actions?: Action[] };
  return [
    ...(answer.action ? [answer.action] : []),
    ...(answer.actions ?? []),
    ...(answer.next_actions ?? []),
  ];
}

export const VERIFIED: ActionResult = Object.freeze({ actions: [], verified: true }) as ActionResult;

type ActionPath = PathWith<'POST'> & `${string}/{id}/actions/${string}`;

/**
 * POSTs a resource action. `safety` is decided per operation in the kind's file: `idempotent` when
 * sending it twice leaves the same state as once, else `non-idempotent` (re-sent only after `verify`).
 */
export function postAction<P extends ActionPath>(
  transport: Transport,
  path: P,
  op: string,
  safety: Exclude<Safety, 'create'>,
  id: number,
  body: JsonBody<P, 'POST'> | undefined,
  options: UnsafeCallOptions | CallOptions = {},
): Promise<ActionResult> {
  const check = 'verify' in options ? options.verify : undefined;
  return transport.callMapped(
    'POST',
    path,
    { pathParams: { id }, body },
    { op, safety, where: options.where },
    (data): ActionResult => ({ actions: collectActions(data), verified: false }),
    {
      signal: options.signal,
      verify: check ? async () => ((await check()) ? VERIFIED : undefined) : undefined,
    },
  );
}

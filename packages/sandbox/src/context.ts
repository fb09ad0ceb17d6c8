/** What every request handler gets: the world, the clock, and a queue for hook events. */
import type { HookEvent } from './hooks.js';
import type { World } from './types.js';

export interface SimContext {
  world: World;
  /** Epoch milliseconds of this request. */
  now: number;
  /** Multiplies every simulated duration. */
  speed: number;
  /** Hook events to dispatch after the change has been persisted. */
  events: HookEvent[];
  /** Whether a new action of this command is to fail (injected faults); absent: never. */
  failAction?: (command: string) => boolean;
}

export interface HandlerRequest {
  ctx: SimContext;
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
  url: URL;
}

export interface HandlerResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (req: HandlerRequest) => HandlerResponse;

/** Parses `{id}` path parameters; a non-numeric id is simply not found. */
export function idParam(req: HandlerRequest, name = 'id'): number {
  const raw = req.params[name] ?? '';
  return /^\d+$/.test(raw) ? Number(raw) : -1;
}

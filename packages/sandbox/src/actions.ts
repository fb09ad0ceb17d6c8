/**
 * Asynchronous actions: created `running`, they succeed after their (speed-scaled) duration and
 * then apply their effect. While running they lock the resources they change.
 */
import { lockedError } from './api-error.js';
import type { SimContext } from './context.js';
import { applyEffect, revertFailed } from './effects.js';
import type { ActionEffect, ActionRec, ResourceRef, ResourceType, World } from './types.js';
import { isoTime, nextId } from './world.js';

/** Realistic base durations in milliseconds, before the speed factor. */
export const DURATIONS = {
  instant: 500,
  createServer: 8000,
  startServer: 4000,
  stopServer: 3000,
  rebootServer: 4000,
  deleteServer: 5000,
  changeType: 20000,
  rebuild: 15000,
  network: 2000,
  firewall: 2000,
  loadBalancer: 6000,
  volume: 3000,
  image: 10000,
  certificate: 5000,
} as const;

export interface ActionSpec {
  command: string;
  durationMs: number;
  resources: ResourceRef[];
  /** Defaults to the first resource. */
  locks?: ResourceRef[];
  effect?: ActionEffect;
  /** Start counting the duration when this action ends (a `next_actions` chain). */
  after?: ActionRec;
}

export function ref(type: ResourceType, id: number): ResourceRef {
  return { type, id };
}

export function startAction(ctx: SimContext, spec: ActionSpec): ActionRec {
  const own = Math.round(spec.durationMs * ctx.speed);
  const head = spec.after ? Math.max(0, spec.after.startedAt + spec.after.durationMs - ctx.now) : 0;
  const action: ActionRec = {
    id: nextId(ctx.world, 'action'),
    command: spec.command,
    status: 'running',
    startedAt: ctx.now,
    durationMs: head + own,
    finishedAt: null,
    resources: spec.resources,
    locks: spec.locks ?? spec.resources.slice(0, 1),
    error: null,
    effect: spec.effect ?? { kind: 'none' },
  };
  if (ctx.failAction?.(spec.command)) {
    action.failWith = { code: 'action_failed', message: `${spec.command} failed (injected fault)` };
  }
  ctx.world.actions[action.id] = action;
  return action;
}

export function renderAction(action: ActionRec, now: number): Record<string, unknown> {
  const running = action.status === 'running';
  const progress = running
    ? Math.min(
        99,
        action.durationMs > 0 ? Math.floor(((now - action.startedAt) / action.durationMs) * 100) : 0,
      )
    : 100;
  return {
    id: action.id,
    command: action.command,
    status: action.status,
    progress: Math.max(0, progress),
    started: isoTime(action.startedAt),
    finished: action.finishedAt === null ? null : isoTime(action.finishedAt),
    resources: action.resources.map((r) => ({ id: r.id, type: r.type })),
    error: action.error,
  };
}

export function runningActionsOn(world: World, target: ResourceRef): ActionRec[] {
  return Object.values(world.actions).filter(
    (a) => a.status === 'running' && a.locks.some((l) => l.type === target.type && l.id === target.id),
  );
}

export function isLocked(world: World, target: ResourceRef): boolean {
  return runningActionsOn(world, target).length > 0;
}

/** Refuses a mutating request on a resource that a running action holds. */
export function assertUnlocked(world: World, target: ResourceRef): void {
  if (isLocked(world, target)) throw lockedError(target.type.replace('_', ' '));
}

/** Finishes every action whose time has come, in order of finishing. Returns whether any did. */
export function advanceActions(ctx: SimContext): boolean {
  const due = Object.values(ctx.world.actions)
    .filter((a) => a.status === 'running' && a.startedAt + a.durationMs <= ctx.now)
    .sort((a, b) => a.startedAt + a.durationMs - (b.startedAt + b.durationMs) || a.id - b.id);
  for (const action of due) {
    action.finishedAt = action.startedAt + action.durationMs;
    if (action.failWith) {
      action.status = 'error';
      action.error = action.failWith;
      revertFailed(ctx, action);
      continue;
    }
    action.status = 'success';
    applyEffect(ctx, action);
  }
  return due.length > 0;
}

/** Epoch milliseconds of the next action to finish, if any is running. */
export function nextActionDue(world: World): number | undefined {
  let next: number | undefined;
  for (const action of Object.values(world.actions)) {
    if (action.status !== 'running') continue;
    const end = action.startedAt + action.durationMs;
    if (next === undefined || end < next) next = end;
  }
  return next;
}

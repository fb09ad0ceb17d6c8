/**
 * The `hk8s state` use cases: what hk8s recorded (resources, events), checking the log in full,
 * and breaking a lock by hand. Secret values never leave here unredacted.
 */
import { hostname } from 'node:os';
import { Hk8sError } from '../errors.js';
import type { EngineEventSink } from '../execute/events.js';
import type { StoredEvent } from '../state/events.js';
import { isPidAlive, type LockInfo } from '../state/lock.js';
import { openState } from '../state/log-store.js';
import { redactSecrets } from '../state/redact.js';
import { lastRun, type RunRecord } from '../state/reducer.js';
import type { ResourceRecord } from '../state/events.js';
import { verifyEvents, type VerifyResult } from '../state/verify.js';
import { warnStateLog } from './session.js';
import type { Workspace } from './workspace.js';

export interface StateListing {
  cluster: string;
  head: { seq: number; hash: string | null };
  resources: ResourceRecord[];
  lastRun?: RunRecord;
}

export async function listState(ws: Workspace, events: EngineEventSink): Promise<StateListing> {
  const { state, warnings } = await openState(ws.log);
  warnStateLog(events, warnings);
  const resources = Object.values(state.resources).sort((a, b) => a.address.localeCompare(b.address));
  const run = lastRun(state);
  return { cluster: ws.cluster, head: state.head, resources, ...(run ? { lastRun: run } : {}) };
}

export async function showResource(ws: Workspace, address: string): Promise<ResourceRecord> {
  const { state } = await openState(ws.log);
  const record = state.resources[address];
  if (!record) {
    throw new Hk8sError('state.not-found', `no resource at ${address}`, {
      where: address,
      hint: 'See `hk8s state list` for the recorded addresses.',
    });
  }
  return redactSecrets(record);
}

export interface EventFilter {
  run?: string;
  types?: string[];
  tail?: number;
}

export async function stateEvents(
  ws: Workspace,
  filter: EventFilter,
  events: EngineEventSink,
): Promise<StoredEvent[]> {
  const opened = await openState(ws.log);
  warnStateLog(events, opened.warnings);
  let selected = opened.events.filter(
    (e) => (!filter.run || e.run === filter.run) && (!filter.types || filter.types.includes(e.type)),
  );
  if (filter.tail) selected = selected.slice(-filter.tail);
  return selected.map((e) => redactSecrets(e));
}

export interface StateVerification {
  result: VerifyResult;
  /** Where the log lives. */
  location: string;
}

export async function verifyState(ws: Workspace, events: EngineEventSink): Promise<StateVerification> {
  const opened = await openState(ws.log);
  warnStateLog(events, opened.warnings);
  return { result: verifyEvents(opened.events), location: ws.log.location };
}

/** Breaks the lock; refuses a live holder on this host unless forced. Undefined: it was not locked. */
export async function unlockState(ws: Workspace, force: boolean): Promise<LockInfo | undefined> {
  const info = await ws.log.inspect();
  if (!info) return undefined;
  if (info.host === hostname() && isPidAlive(info.pid) && !force) {
    throw new Hk8sError(
      'state.lock-held',
      `the lock holder ${info.holder} (pid ${info.pid}, ${info.command}) is still running`,
      { hint: 'Wait for it, stop it, or pass --force if you are sure it is hung.' },
    );
  }
  await ws.log.breakLock();
  return info;
}

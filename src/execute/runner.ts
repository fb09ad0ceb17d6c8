/**
 * The contract between the executor and whatever performs actions (Hetzner, Talos, Kubernetes).
 */
import type { Action, ActionKind } from '../plan/types.js';

/** What hk8s records about a resource it manages (mirrors the event log's ResourceRecord). */
export interface ResourceRecord {
  address: string;
  type: string;
  id: string;
  attrs: Record<string, unknown>;
}

export interface ActionOutcome {
  /** The resource as it now is; null when it is gone; undefined when the action changed none. */
  resource?: ResourceRecord | null;
  /** True when resume found the effect already there and adopted it. */
  adopted?: boolean;
  outputs?: unknown;
}

export interface RunContext {
  run: string;
  signal: AbortSignal;
  /** Ids of resources by address, as known now (observed, plus what this run created). */
  idOf(address: string): string | undefined;
  /** What is known of a resource now: its record, or what observation saw. */
  recordOf(address: string): ResourceRecord | undefined;
  progress(message: string): void;
  /** Secrets hk8s generated and keeps in the event log (e.g. the SSH private key). */
  secrets: SecretStore;
}

export interface SecretStore {
  get(name: string): string | undefined;
  /** Durably recorded before it resolves, so a crash right after cannot lose the secret. */
  put(name: string, value: string): Promise<void>;
  /** Durably dropped (a no-op for a name that is not kept): replay will not have it. */
  forget(name: string, reason: string): Promise<void>;
}

/** What resume learns about an action whose outcome was never recorded. */
export type Reconciliation =
  { status: 'done'; outcome: ActionOutcome } | { status: 'not-done'; reason: string };

export interface ActionRunner {
  /** The exact request that will be sent, recorded in ActionStarted before any mutating call. */
  describe(action: Action): unknown;
  run(action: Action, ctx: RunContext): Promise<ActionOutcome>;
  /** Looks the effect of an interrupted action up in the real world (by its address label). */
  reconcile(action: PendingAction, ctx: RunContext): Promise<Reconciliation>;
}

/** An action that was started and never recorded as finished, as the event log remembers it. */
export interface PendingAction {
  id: string;
  kind: ActionKind;
  address: string;
  request: unknown;
}

export class InterruptedError extends Error {
  constructor() {
    super('interrupted');
    this.name = 'InterruptedError';
  }
}

/**
 * What the engine tells the outside world while it works. The CLI renders these; nothing in the
 * engine prints.
 */
import type { Action } from '../plan/types.js';
import type { SkipReason } from './walker.js';

export type RunOutcome = 'succeeded' | 'failed' | 'interrupted';

export interface RunCounts {
  succeeded: number;
  failed: number;
  skipped: number;
}

export type EngineEvent =
  | { type: 'run-started'; run: string; command: string; actions: Action[] }
  | { type: 'action-started'; run: string; action: Action }
  | { type: 'action-progress'; run: string; action: Action; message: string }
  | { type: 'action-succeeded'; run: string; action: Action; adopted: boolean }
  | { type: 'action-failed'; run: string; action: Action; error: { code: string; message: string } }
  | { type: 'action-interrupted'; run: string; action: Action }
  | { type: 'action-skipped'; run: string; action: Action; reason: SkipReason; dependency?: string }
  | { type: 'run-finished'; run: string; outcome: RunOutcome; counts: RunCounts }
  | { type: 'warning'; warning: EngineWarning };

/** What the engine warns about, as data; `src/cli/render/warnings.ts` words it. */
export type EngineWarning =
  /** Something the event log store noticed or repaired, e.g. a torn last line cut off. */
  | { kind: 'state-log'; message: string }
  /** The latest run failed: `apply` plans from what exists, `plan` points at `resume`. */
  | { kind: 'last-run-failed'; run: string; during: 'plan' | 'apply' }
  /** The latest run did not finish; `apply` refuses until `resume` completes it. */
  | { kind: 'run-pending'; run: string; command: string }
  /** An object with the cluster's label but no hk8s address: left alone. */
  | { kind: 'unaddressed-object'; object: UnaddressedObject }
  /** The cluster's Kubernetes API could not be read at plan time: versions come from the recorded configs. */
  | { kind: 'kubernetes-unobserved'; reason: string }

  /** A plugin or addon that could not be used: skipped, its objects in the cluster left as they are. */
  | { kind: 'addon-skipped'; plugin: string; addon?: string; message: string }
  /** An enabled addon its plugin marks deprecated. */
  | { kind: 'addon-deprecated'; addon: string; message: string }
  /** Objects hk8s applied for an addon no installed plugin provides: kept until it is back or set enabled: false. */
  | { kind: 'addon-orphaned'; addon: string; objects: number }
  /** With several control planes, one node is the API endpoint: the API is down while it is. */
  | { kind: 'single-node-endpoint'; endpoint: 'external' | 'internal'; node: string; fix: string }
  /** `destroy --include-images`: an image of the cluster's that a server of another cluster boots from. */
  | { kind: 'image-kept'; image: string; usedBy: string[] };

export interface UnaddressedObject {
  kind: string;
  name: string;
  id: string;
}

export type EngineEventSink = (event: EngineEvent) => void;

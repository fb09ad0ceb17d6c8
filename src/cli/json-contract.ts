/**
 * The `--json` contract: what each command prints on stdout with `--json`, as types. Every
 * command's `run()` returns one of these, and `schema/cli-json.schema.json` is generated from this
 * file (test/unit/cli/json-contract.test.ts): a change of any shape here, or of a type it uses,
 * fails that test until the schema is regenerated and the change reviewed. Failures print the
 * `ErrorEnvelope` instead. `apply`, `destroy` and `resume` stream engine events (JSON lines) first.
 */
import type { ErrorEnvelope } from '../errors.js';

/**
 * The version of these shapes, recorded in the schema. Adding a field keeps it; removing,
 * renaming or retyping one raises it (README "JSON output").
 */
export const JSON_CONTRACT_VERSION = 1;
import type { ProjectImages } from '../engine/project-images.js';
import type { ClusterStatus } from '../engine/status.js';
import type { RunCounts, RunOutcome } from '../execute/events.js';
import type { Plan } from '../plan/plan.js';
import type { ResourceRecord, StoredEvent } from '../state/events.js';
import type { LockInfo } from '../state/lock.js';
import type { VerifyResult } from '../state/verify.js';

/** `hk8s plan --json`: the whole plan, as `plan --out` saves it (without the file's `kind`). */
export type PlanJson = Plan;

/** A run that finished (a failed or interrupted one ends in an error envelope). */
export interface RunJson {
  run: string;
  outcome: RunOutcome;
  counts: RunCounts;
}

/** Nothing ran: no changes, or the confirmation was declined. */
export interface NoRunJson {
  /** The plan's inputs hash. */
  plan: string;
  changed: false;
}

/** `hk8s apply --json` and `hk8s destroy --json`. */
export type ApplyJson = RunJson | NoRunJson;

export interface ReconciledJson {
  action: string;
  address: string;
  outcome: 'adopted' | 'done' | 'retry';
}

/** `hk8s resume --json`. */
export type ResumeJson =
  | { resumed: null }
  | { resumed: string; reconciled: ReconciledJson[] }
  | ({ resumed: string; reconciled: ReconciledJson[] } & RunJson);

/** `hk8s graph --json`: the plan's actions and what each waits for. */
export interface GraphJson {
  cluster: string;
  actions: Array<{ id: string; kind: string; address: string; dependsOn: string[] }>;
}

/** `hk8s kubeconfig --json`: the file's text, or where it was written (`-o`). */
export interface KubeconfigJson {
  /** The API server the kubeconfig points at. */
  server: string | null;
  path?: string;
  kubeconfig?: string;
}

/** `hk8s talosconfig --json`: the file's text, or where it was written (`-o`). */
export interface TalosconfigJson {
  endpoints: string[];
  /** When the client certificate expires (ISO 8601). */
  expires: string;
  path?: string;
  talosconfig?: string;
}

/** `hk8s schema --json`: the spec's JSON Schema, or where it was written (`-o`). */
export interface SchemaJson {
  path?: string;
  schema?: Record<string, unknown>;
}

export interface InitJson {
  spec: string;
  schema: string;
}

export interface ValidateJson {
  valid: true;
  path: string;
  cluster: string;
  specHash: string;
}

export type StatusJson = ClusterStatus;

export interface StateListJson {
  cluster: string;
  head: { seq: number; hash: string | null };
  resources: Array<{ address: string; type: string; id: string }>;
}

/** Secret values are shown as `{ "$secret": "(hidden)" }`. */
export type StateShowJson = ResourceRecord;

/** Secret values are shown as `{ "$secret": "(hidden)" }`. */
export type StateEventsJson = StoredEvent[];

export type StateVerifyJson = VerifyResult;

export type StateUnlockJson = { unlocked: false } | { unlocked: true; holder: LockInfo };

export interface SandboxStartJson {
  url: string;
  pid: number;
  started: boolean;
  /** Where the sandbox keeps its world. */
  dir: string;
}

export interface SandboxStatusJson {
  running: boolean;
  url?: string;
  pid?: number;
  since?: string;
}

export interface SandboxStatsJson {
  /** Requests served, by API operation and then by HTTP status. */
  requests: Record<string, Record<string, number>>;
  total: number;
}

export interface SandboxStopJson {
  stopped: boolean;
}

export interface SandboxResetJson {
  reset: true;
}

export interface ImageRefJson {
  address: string;
  id: string;
}

export interface ImageBuildJson {
  built: ImageRefJson[];
  /** The wanted images the project already had. */
  found: ImageRefJson[];
}

export type ImageListJson = ProjectImages;

export interface ImageDeleteJson {
  deleted: number[];
  /** Selected but kept: a server of some cluster boots from it. */
  kept: Array<{ id: number; usedBy: string[] }>;
}

export type ErrorJson = ErrorEnvelope;

/** Every command with `--json`, by its command id. */
export interface JsonContract {
  plan: PlanJson;
  show: PlanJson;
  graph: GraphJson;
  kubeconfig: KubeconfigJson;
  talosconfig: TalosconfigJson;
  schema: SchemaJson;
  apply: ApplyJson;
  destroy: ApplyJson;
  resume: ResumeJson;
  init: InitJson;
  validate: ValidateJson;
  status: StatusJson;
  'state list': StateListJson;
  'state show': StateShowJson;
  'state events': StateEventsJson;
  'state verify': StateVerifyJson;
  'state unlock': StateUnlockJson;
  'sandbox start': SandboxStartJson;
  'sandbox status': SandboxStatusJson;
  'sandbox stats': SandboxStatsJson;
  'sandbox stop': SandboxStopJson;
  'sandbox reset': SandboxResetJson;
  'image build': ImageBuildJson;
  'image list': ImageListJson;
  'image delete': ImageDeleteJson;
  /** What any command prints instead when it fails. */
  error: ErrorJson;
}

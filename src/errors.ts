/**
 * One error base class for everything hk8s reports to a person. A bug is not an Hk8sError:
 * it is an ordinary exception and exits with INTERNAL.
 */

/** Documented exit codes (README "Exit codes"). Stable: scripts depend on them. */
export const ExitCode = {
  OK: 0,
  INTERNAL: 1,
  CHANGES_PRESENT: 2,
  USAGE: 3,
  INVALID_SPEC: 4,
  STATE_CORRUPT: 5,
  LOCK_HELD: 6,
  STALE_PLAN: 7,
  RESUME_PENDING: 8,
  ACTIONS_FAILED: 9,
  PROVIDER: 10,
  NOT_CONFIRMED: 11,
  NOT_FOUND: 12,
  TARGET_MISMATCH: 13,
  INTERRUPTED: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Stable machine-readable error codes, grouped by the exit code they map to. */
export const ErrorCodes = {
  usage: ExitCode.USAGE,
  'spec.not-found': ExitCode.INVALID_SPEC,
  'spec.parse': ExitCode.INVALID_SPEC,
  'spec.invalid': ExitCode.INVALID_SPEC,
  'spec.protected': ExitCode.INVALID_SPEC,
  /** `cluster.name` is not the name the state beside the spec was made for. */
  'spec.renamed': ExitCode.INVALID_SPEC,
  'state.corrupt': ExitCode.STATE_CORRUPT,
  'state.format': ExitCode.STATE_CORRUPT,
  'state.write': ExitCode.STATE_CORRUPT,
  'state.lock-held': ExitCode.LOCK_HELD,
  'state.not-found': ExitCode.NOT_FOUND,
  'state.foreign-node': ExitCode.PROVIDER,
  'plan.stale': ExitCode.STALE_PLAN,
  'plan.file': ExitCode.USAGE,
  'plan.cycle': ExitCode.INTERNAL,
  'plan.target': ExitCode.USAGE,
  /** The spec asks for a change hk8s refuses by default (an even etcd membership): `--force`. */
  'plan.refused': ExitCode.INVALID_SPEC,
  'run.resume-pending': ExitCode.RESUME_PENDING,
  'run.actions-failed': ExitCode.ACTIONS_FAILED,
  'run.not-confirmed': ExitCode.NOT_CONFIRMED,
  'run.interrupted': ExitCode.INTERRUPTED,
  'provider.auth': ExitCode.PROVIDER,
  'provider.api': ExitCode.PROVIDER,
  'provider.limit': ExitCode.PROVIDER,
  'provider.unavailable': ExitCode.PROVIDER,
  'provider.unreachable': ExitCode.PROVIDER,
  'sandbox.failed': ExitCode.PROVIDER,
  'addon.not-ready': ExitCode.ACTIONS_FAILED,
  'addon.apply': ExitCode.ACTIONS_FAILED,
  'cluster.not-ready': ExitCode.ACTIONS_FAILED,
  /** The state was made against another endpoint or project: `--accept-endpoint`. */
  'target.moved': ExitCode.TARGET_MISMATCH,
  /** Many recorded resources are not in the cloud (another project, a reset sandbox): `--accept-missing`. */
  'target.missing': ExitCode.TARGET_MISMATCH,
  'image.build': ExitCode.ACTIONS_FAILED,
  'image.select': ExitCode.USAGE,
} as const satisfies Record<string, ExitCode>;
export type ErrorCode = keyof typeof ErrorCodes;

export interface Hk8sErrorOptions {
  /** Where: file:line, field path or resource address. Shown before the message. */
  where?: string;
  /** What to do about it, one sentence. */
  hint?: string;
  /** Longer detail for --verbose and the JSON envelope. */
  detail?: string;
  cause?: unknown;
}

export class Hk8sError extends Error {
  readonly code: ErrorCode;
  readonly where?: string;
  readonly hint?: string;
  readonly detail?: string;

  constructor(code: ErrorCode, message: string, options: Hk8sErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'Hk8sError';
    this.code = code;
    this.where = options.where;
    this.hint = options.hint;
    this.detail = options.detail;
  }

  get exitCode(): ExitCode {
    return ErrorCodes[this.code];
  }

  /** The one line a person reads: where: what. what to do. */
  oneLine(): string {
    const where = this.where ? `${this.where}: ` : '';
    const hint = this.hint ? ` ${this.hint}` : '';
    return `${where}${this.message}.${hint}`.replace(/\.\.(\s|$)/g, '.$1');
  }

  toJSON(): ErrorEnvelope['error'] {
    return {
      code: this.code,
      exitCode: this.exitCode,
      message: this.message,
      ...(this.where ? { where: this.where } : {}),
      ...(this.hint ? { hint: this.hint } : {}),
      ...(this.detail ? { detail: this.detail } : {}),
    };
  }
}

/** What `--json` prints on failure. */
export interface ErrorEnvelope {
  ok: false;
  error: {
    code: string;
    exitCode: number;
    message: string;
    where?: string;
    hint?: string;
    detail?: string;
  };
}

export function isHk8sError(error: unknown): error is Hk8sError {
  return error instanceof Hk8sError;
}

/** For exhaustive switches over closed unions. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}

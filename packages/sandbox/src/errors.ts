/**
 * The sandbox's own error type. The sandbox imports nothing from hk8s, so the CLI that starts it
 * turns a SandboxError into its own error class (with the same code, where and hint).
 */
export class SandboxError extends Error {
  readonly code = 'sandbox.failed';
  readonly where: string | undefined;
  readonly hint: string | undefined;
  readonly detail: string | undefined;

  constructor(message: string, options: { where?: string; hint?: string; detail?: string } = {}) {
    super(message);
    this.name = 'SandboxError';
    this.where = options.where;
    this.hint = options.hint;
    this.detail = options.detail;
  }
}

/** For exhaustive switches over the sandbox's closed unions. */
export function assertNever(value: never, what: string): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}

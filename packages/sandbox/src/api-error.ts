/**
 * Errors the simulated API answers with, shaped like Hetzner's `{ error: { code, message, details } }`.
 * These are wire responses, not hk8s errors: they never reach a person directly.
 */

export interface FieldError {
  name: string;
  messages: string[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toBody(): { error: { code: string; message: string; details: Record<string, unknown> | null } } {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}

export function invalidInput(fields: FieldError[], message = 'invalid input in fields'): ApiError {
  const names = fields.map((f) => `'${f.name}'`).join(', ');
  return new ApiError(422, 'invalid_input', names ? `${message} ${names}` : message, { fields });
}

export function invalidField(name: string, messageText: string): ApiError {
  return invalidInput([{ name, messages: [messageText] }]);
}

export function notFound(what: string, id?: number | string): ApiError {
  const suffix = id === undefined ? '' : ` with ID '${id}'`;
  return new ApiError(404, 'not_found', `${what}${suffix} not found`);
}

export function uniquenessError(field = 'name', message = 'name is already used'): ApiError {
  return new ApiError(409, 'uniqueness_error', message, { fields: [{ name: field }] });
}

export function lockedError(what: string): ApiError {
  return new ApiError(423, 'locked', `cannot perform operation because ${what} is locked`);
}

export function protectedError(what: string): ApiError {
  return new ApiError(423, 'protected', `cannot perform operation because ${what} is protected`);
}

export function resourceLimitExceeded(limit: string, message: string): ApiError {
  return new ApiError(403, 'resource_limit_exceeded', message, { limits: [{ name: limit }] });
}

/** Operation-specific refusals (`server_not_stopped`, `resource_in_use`, …) come back as 422. */
export function unprocessable(code: string, message: string): ApiError {
  return new ApiError(422, code, message);
}

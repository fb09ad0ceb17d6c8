/** Kubernetes API errors: every non-2xx answer is a `Status` object with the matching HTTP code. */
import type { ResourceType } from './resources.js';

export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export class KubeError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string | undefined,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
  }

  toStatus(): Record<string, unknown> {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      ...(this.reason === undefined ? {} : { reason: this.reason }),
      ...(this.details === undefined ? {} : { details: this.details }),
      code: this.code,
    };
  }
}

/** `pods`, `deployments.apps`: how Kubernetes names a resource in messages. */
export function groupResource(type: ResourceType): string {
  return type.group === '' ? type.plural : `${type.plural}.${type.group}`;
}

function details(type: ResourceType, name: string, kind = type.plural): StatusDetails {
  return { name, ...(type.group === '' ? {} : { group: type.group }), kind };
}

export function notFound(type: ResourceType, name: string): KubeError {
  return new KubeError(404, 'NotFound', `${groupResource(type)} "${name}" not found`, details(type, name));
}

export function alreadyExists(type: ResourceType, name: string): KubeError {
  return new KubeError(
    409,
    'AlreadyExists',
    `${groupResource(type)} "${name}" already exists`,
    details(type, name),
  );
}

export function conflict(type: ResourceType, name: string): KubeError {
  return new KubeError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${groupResource(type)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    details(type, name),
  );
}

export function invalid(type: ResourceType, name: string, causes: StatusCause[]): KubeError {
  const kind = type.group === '' ? type.kind : `${type.kind}.${type.group}`;
  const text = causes.map((c) => `${c.field ?? ''}: ${c.message}`);
  const joined = text.length === 1 ? text[0] : `[${text.join(', ')}]`;
  return new KubeError(422, 'Invalid', `${kind} "${name}" is invalid: ${joined}`, {
    ...details(type, name, type.kind),
    causes,
  });
}

export function badRequest(message: string): KubeError {
  return new KubeError(400, 'BadRequest', message);
}

export function resourceNotFound(): KubeError {
  return new KubeError(404, 'NotFound', 'the server could not find the requested resource', {});
}

export function methodNotAllowed(): KubeError {
  return new KubeError(
    405,
    'MethodNotAllowed',
    'the server does not allow this method on the requested resource',
    {},
  );
}

/** The Hetzner API's operations by operationId, from the vendored OpenAPI document the sandbox serves. */
import { readFileSync } from 'node:fs';

export const OPERATIONS: ReadonlyMap<string, { method: string; path: string }> = (() => {
  const doc = JSON.parse(readFileSync('vendor/hcloud/hcloud-openapi.json', 'utf8')) as {
    paths: Record<string, Record<string, { operationId?: string }>>;
  };
  const byId = new Map<string, { method: string; path: string }>();
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (op.operationId) byId.set(op.operationId, { method: method.toUpperCase(), path });
    }
  }
  return byId;
})();

/** The operations among `requests` (sandbox stats) that change something: anything but a GET. */
export function mutatingOperations(requests: Record<string, unknown>): string[] {
  return Object.keys(requests).filter((op) => OPERATIONS.get(op)?.method !== 'GET');
}

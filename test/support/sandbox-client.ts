/** Reads the sandbox's control endpoints (not part of Hetzner's API) for assertions. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function sandboxOrigin(sandboxDir: string): string {
  const info = JSON.parse(readFileSync(join(sandboxDir, 'sandbox.json'), 'utf8')) as { url: string };
  return new URL(info.url).origin;
}

async function get<T>(sandboxDir: string, path: string, method = 'GET'): Promise<T> {
  // A fresh connection each time: a pooled one may be closed by the server between requests.
  const response = await fetch(`${sandboxOrigin(sandboxDir)}${path}`, {
    method,
    headers: { connection: 'close' },
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status}`);
  return (await response.json()) as T;
}

/** A request to the sandbox's Hetzner API itself, as another client of the project would send it. */
export async function hcloud<T>(
  sandboxDir: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const info = JSON.parse(readFileSync(join(sandboxDir, 'sandbox.json'), 'utf8')) as { url: string };
  const response = await fetch(`${info.url}${path}`, {
    method,
    headers: {
      authorization: 'Bearer e2e-test',
      connection: 'close',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

type Labelled = { id: number; name: string; labels?: Record<string, string> };

export interface WorldDump {
  servers: Record<string, Labelled & { server_type: unknown; status: string }>;
  networks: Record<string, Labelled & { subnets: Array<{ ip_range: string }> }>;
  firewalls: Record<string, Labelled>;
  placement_groups: Record<string, Labelled & { servers: number[] }>;
  ssh_keys: Record<string, Labelled>;
  load_balancers: Record<string, Labelled>;
  floating_ips: Record<string, Labelled & { ip: string; server: number | null }>;
  volumes: Record<string, Labelled>;
  primary_ips: Record<string, Labelled>;
}

export const world = (dir: string) => get<WorldDump>(dir, '/_sandbox/world');

export interface Stats {
  requests: Record<string, Record<string, number>>;
  total: number;
}

export const stats = (dir: string) => get<Stats>(dir, '/_sandbox/stats');
export const resetStats = (dir: string) => get<unknown>(dir, '/_sandbox/stats/reset', 'POST');

export const MANAGED_KINDS = [
  'servers',
  'networks',
  'firewalls',
  'placement_groups',
  'ssh_keys',
  'load_balancers',
  'floating_ips',
] as const;

/** Every object of the managed kinds, as `kind/name` with its labels. */
export function inventory(
  dump: WorldDump,
): Array<{ kind: string; name: string; labels: Record<string, string> }> {
  return MANAGED_KINDS.flatMap((kind) =>
    Object.values(dump[kind] ?? {}).map((o) => ({ kind, name: o.name, labels: o.labels ?? {} })),
  );
}

/** Test helpers: a fetch wrapper that validates every request and response against the OpenAPI file. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandboxServer, type RunningSandbox, type SandboxOptions } from '../src/server.js';
import { validateRequest, validateResponse } from '../../../test/support/openapi-validator.js';

// Response bodies are checked against the spec by the wrapper; tests then read them freely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface ApiResult {
  status: number;
  body: Json;
  headers: Headers;
}

export interface CallOptions {
  /** The request is deliberately invalid: the validator must find errors in it. */
  invalidRequest?: boolean;
  /** Authorization header to send instead of the default bearer token (null = none). */
  authorization?: string | null;
}

export class Api {
  calls = 0;

  constructor(
    readonly url: string,
    readonly token = 'sandbox-test-token',
  ) {}

  async call(
    method: string,
    pathAndQuery: string,
    body?: unknown,
    options: CallOptions = {},
  ): Promise<ApiResult> {
    const target = new URL(this.url + pathAndQuery);
    const path = target.pathname.replace(/^\/v1/, '');
    const requestErrors = validateRequest({ method, path, query: target.searchParams, body });
    if (options.invalidRequest && requestErrors.length === 0) {
      throw new Error(`expected ${method} ${pathAndQuery} to be invalid, but the spec accepts it`);
    }
    if (!options.invalidRequest && requestErrors.length > 0) {
      throw new Error(
        `request does not match the spec: ${method} ${pathAndQuery}\n${requestErrors.join('\n')}`,
      );
    }
    const headers: Record<string, string> = {};
    const authorization =
      options.authorization === undefined ? `Bearer ${this.token}` : options.authorization;
    if (authorization !== null) headers['Authorization'] = authorization;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    this.calls++;
    const res = await fetch(target, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const parsed: Json = text === '' ? undefined : JSON.parse(text);
    const responseErrors = validateResponse({ method, path, status: res.status, body: parsed });
    if (responseErrors.length > 0) {
      throw new Error(
        `response does not match the spec: ${method} ${pathAndQuery} → ${res.status}\n${responseErrors.slice(0, 10).join('\n')}`,
      );
    }
    return { status: res.status, body: parsed, headers: res.headers };
  }

  get(path: string, options?: CallOptions) {
    return this.call('GET', path, undefined, options);
  }
  post(path: string, body?: unknown, options?: CallOptions) {
    return this.call('POST', path, body, options);
  }
  put(path: string, body: unknown, options?: CallOptions) {
    return this.call('PUT', path, body, options);
  }
  delete(path: string, options?: CallOptions) {
    return this.call('DELETE', path, undefined, options);
  }

  /** Polls GET /actions?id=… until every action has finished; returns them. */
  async waitForActions(ids: number[], maxPolls = 500): Promise<Json[]> {
    for (let i = 0; i < maxPolls; i++) {
      const res = await this.get(`/actions?${ids.map((id) => `id=${id}`).join('&')}`);
      if (res.status !== 200)
        throw new Error(`GET /actions answered ${res.status}: ${JSON.stringify(res.body)}`);
      if (res.body.actions.every((a: Json) => a.status !== 'running')) return res.body.actions;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`actions ${ids.join(', ')} did not finish`);
  }

  /** Waits for the action of a create/mutate answer (`action`, `actions`, `next_actions`). */
  async settle(body: Json): Promise<void> {
    const ids: number[] = [];
    if (body?.action) ids.push(body.action.id);
    for (const a of body?.actions ?? []) ids.push(a.id);
    for (const a of body?.next_actions ?? []) ids.push(a.id);
    if (ids.length > 0) await this.waitForActions(ids);
  }
}

export interface TestSandbox {
  sandbox: RunningSandbox;
  api: Api;
  dir: string;
  origin: string;
  control(method: string, path: string, body?: unknown): Promise<Json>;
  close(): Promise<void>;
}

export function tempStateDir(): string {
  return mkdtempSync(join(tmpdir(), 'hk8s-sandbox-'));
}

export async function startTestSandbox(options: Partial<SandboxOptions> = {}): Promise<TestSandbox> {
  const dir = options.stateDir ?? tempStateDir();
  // Seeded (the Talos snapshots) unless a test asks for the empty world a new project starts with.
  const sandbox = await startSandboxServer({ speed: 0.001, seedImages: true, ...options, stateDir: dir });
  const origin = new URL(sandbox.url).origin;
  return {
    sandbox,
    api: new Api(sandbox.url, options.token),
    dir,
    origin,
    async control(method, path, body) {
      const res = await fetch(`${origin}/_sandbox/${path}`, {
        method,
        headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return res.json();
    },
    async close() {
      await sandbox.close();
      if (!options.stateDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A syntactically valid ed25519 public key whose key bytes derive from `n` (distinct fingerprints). */
export function fakeEd25519Key(n: number, comment = 'test@hk8s'): string {
  const type = Buffer.from('ssh-ed25519');
  const key = Buffer.alloc(32, n % 256);
  key.writeUInt32BE(n, 0);
  const blob = Buffer.concat([u32(type.length), type, u32(key.length), key]);
  return `ssh-ed25519 ${blob.toString('base64')} ${comment}`;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** Creates a server (cpx11, debian-13, fsn1 unless overridden), waits for its actions and returns it. */
export async function createServer(
  api: Api,
  name: string,
  extra: Record<string, unknown> = {},
): Promise<Json> {
  const res = await api.post('/servers', {
    name,
    server_type: 'cpx11',
    image: 'debian-13',
    location: 'fsn1',
    ...extra,
  });
  if (res.status !== 201)
    throw new Error(`creating server ${name} answered ${res.status}: ${JSON.stringify(res.body)}`);
  await api.settle(res.body);
  return (await api.get(`/servers/${res.body.server.id}`)).body.server;
}

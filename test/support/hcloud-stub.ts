/**
 * A small programmable Hetzner Cloud stand-in for unit tests of the client: node:http on 127.0.0.1,
 * routes answered by scripted replies (consumed in order; the last one repeats) or by handlers, and a
 * record of every request. It is not the sandbox: it knows nothing of resources unless a test says so.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const STUB_TOKEN = 'stub-token-5f1c9a7e3b2d4c6a8e0f1b3d5a7c9e1f';

export interface StubRequest {
  method: string;
  /** Path below `/v1`, e.g. `/servers/7/actions/poweron`. */
  path: string;
  query: URLSearchParams;
  body: unknown;
  authorization: string | undefined;
  params: Record<string, string>;
}

export type StubReply =
  | { status: number; body?: unknown; headers?: Record<string, string>; raw?: string }
  /** Close the connection without answering (the client sees a reset: a lost answer). */
  | { drop: true }
  /** Never answer (the client's timeout fires). */
  | { hang: true };

export type StubHandler = (request: StubRequest) => StubReply | Promise<StubReply>;

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  replies: (StubReply | StubHandler)[];
}

export function errorReply(status: number, code: string, message = code, details?: unknown): StubReply {
  return { status, body: { error: { code, message, details: details ?? null } } };
}

export function actionOf(id: number, status: 'running' | 'success' | 'error' = 'running', extra = {}) {
  return {
    id,
    command: 'test_command',
    status,
    progress: status === 'success' ? 100 : 0,
    started: '2026-01-01T00:00:00+00:00',
    finished: status === 'running' ? null : '2026-01-01T00:00:01+00:00',
    resources: [],
    error: null,
    ...extra,
  };
}

export function page(kind: string, items: unknown[], pageNo: number, lastPage: number) {
  return {
    status: 200,
    body: {
      [kind]: items,
      meta: {
        pagination: {
          page: pageNo,
          per_page: 50,
          previous_page: pageNo > 1 ? pageNo - 1 : null,
          next_page: pageNo < lastPage ? pageNo + 1 : null,
          last_page: lastPage,
          total_entries: null,
        },
      },
    },
  };
}

export class HcloudStub {
  readonly requests: StubRequest[] = [];
  private readonly routes: Route[] = [];

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
  ) {}

  static async start(): Promise<HcloudStub> {
    const holder: { stub?: HcloudStub } = {};
    const server = createServer((req, res) => {
      void holder.stub?.handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    holder.stub = new HcloudStub(server, `http://127.0.0.1:${port}/v1`);
    return holder.stub;
  }

  /** Answers `method path` (path may hold `{name}` parts) with these replies in turn; the last repeats. */
  on(method: string, path: string, ...replies: (StubReply | StubHandler)[]): this {
    const names: string[] = [];
    const source = path
      .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
      .replace(/\\?\{(\w+)\\?\}/g, (_m, name: string) => {
        names.push(name);
        return '([^/]+)';
      });
    this.routes.unshift({ method, pattern: new RegExp(`^${source}$`), names, replies });
    return this;
  }

  requestsTo(method: string, path: string | RegExp): StubRequest[] {
    return this.requests.filter(
      (r) => r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path)),
    );
  }

  reset(): void {
    this.requests.length = 0;
    this.routes.length = 0;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://stub');
    const request: StubRequest = {
      method: req.method ?? 'GET',
      path: url.pathname.replace(/^\/v1/, ''),
      query: url.searchParams,
      body: text ? (JSON.parse(text) as unknown) : undefined,
      authorization: req.headers.authorization,
      params: {},
    };
    this.requests.push(request);
    const reply = await this.replyFor(request);
    if ('drop' in reply) {
      req.socket.destroy();
      return;
    }
    if ('hang' in reply) return;
    const body = reply.raw ?? (reply.body === undefined ? '' : JSON.stringify(reply.body));
    res.writeHead(reply.status, {
      ...(body && reply.raw === undefined ? { 'content-type': 'application/json' } : {}),
      ...reply.headers,
    });
    res.end(body);
  }

  private async replyFor(request: StubRequest): Promise<StubReply> {
    for (const route of this.routes) {
      if (route.method !== request.method) continue;
      const match = route.pattern.exec(request.path);
      if (!match) continue;
      route.names.forEach((name, i) => (request.params[name] = match[i + 1] ?? ''));
      const next = route.replies.length > 1 ? route.replies.shift() : route.replies[0];
      if (next === undefined) break;
      return typeof next === 'function' ? next(request) : next;
    }
    return errorReply(404, 'not_found', `no stub route for ${request.method} ${request.path}`);
  }
}

/** A clock that only moves when the code under test sleeps: waits are recorded, never spent. */
export function fakeTime(start = 1_800_000_000_000) {
  let current = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: (): number => current,
    sleep: async (ms: number): Promise<void> => {
      sleeps.push(ms);
      current += ms;
    },
    advance: (ms: number): void => {
      current += ms;
    },
  };
}

/**
 * The sandbox HTTP server: a stateful simulation of the Hetzner Cloud API on loopback, plus a few
 * control endpoints under /_sandbox. Plain node:http; every change is persisted before answering.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { advanceActions, nextActionDue } from './actions.js';
import { ApiError, notFound } from './api-error.js';
import type { HandlerResponse, SimContext } from './context.js';
import { applyConfig, type SandboxConfig } from './config.js';
import { FaultInjector } from './faults.js';
import {
  dispatchHooks,
  floatingIpInfo,
  loadBalancerInfo,
  serverInfo,
  type HookEvent,
  type SandboxHooks,
} from './hooks.js';
import { loadOpenApi, type OpenApiIndex, type Operation } from './openapi.js';
import { DEFAULT_RATE_LIMIT, takeToken, type RateLimitConfig } from './rate-limit.js';
import { handlerFor } from './router.js';
import { StatsRecorder } from './stats.js';
import type { World } from './types.js';
import { releaseOctet, reserveOctet } from './octet.js';
import { DEFAULT_RESCUE_PORT } from './rescue/port.js';
import { RescueSsh } from './rescue/ssh.js';
import { WorldStore, type PersistMode } from './store.js';
import { createEmptyWorld } from './world.js';

export interface SandboxOptions {
  stateDir: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (default) = any free port. */
  port?: number;
  /** Multiplies every simulated duration; default 1 (Hetzner-like timings). */
  speed?: number;
  /** Probability (0..1) that a request fails with a retryable error or loses its answer. */
  faultRate?: number;
  seed?: number;
  rateLimit?: RateLimitConfig;
  /** When set, only this bearer token is accepted; otherwise any non-empty token. */
  token?: string;
  /** Extension points for later simulators (Talos nodes). */
  hooks?: SandboxHooks;
  /** Extra control endpoints under /_sandbox/ (the Kubernetes simulation's); undefined = not mine. */
  control?: ControlExtension;
  /** A new world gets the Talos snapshots (catalog.ts); default none, as a new Hetzner project. */
  seedImages?: boolean;
  /** Where rescue systems answer SSH on their server's address; default DEFAULT_RESCUE_PORT. */
  rescuePort?: number;
  /** `full` rewrites world.json on every change (the old way, for benchmarks); default `journal`. */
  persistence?: PersistMode;
  /** Compact the journal past this many bytes; default the snapshot's size, at least 256 KiB. */
  compactJournalAfterBytes?: number;
}

export type ControlExtension = (
  method: string,
  path: string,
  body: unknown,
) => { status: number; body: unknown } | undefined;

/** A request to the cloud API from inside the sandbox: `path` under `/v1/`, with its query. */
export interface CloudRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  body?: unknown;
  /** The bearer token the caller holds (a simulated node's, from its machine config). */
  token: string;
}

export interface CloudResponse {
  status: number;
  body: unknown;
}

/** The cloud API as simulated machines reach it. */
export type CloudApi = (request: CloudRequest) => CloudResponse;

export interface RunningSandbox {
  /** Base URL of the simulated API, e.g. http://127.0.0.1:PORT/v1 */
  url: string;
  port: number;
  /** The same API in process, for simulated machines (see `Sandbox.cloudCall`). */
  cloud: CloudApi;
  close(): Promise<void>;
}

export type { SandboxConfig } from './config.js';

const MAX_BODY = 1024 * 1024;
const MUTATING = new Set(['POST', 'PUT', 'DELETE', 'PATCH']);

class Sandbox {
  world: World;
  readonly config: SandboxConfig;
  readonly stats = new StatsRecorder();
  private readonly store: WorldStore;
  private readonly openapi: OpenApiIndex;
  private readonly faults: FaultInjector;
  readonly rescue: RescueSsh;
  private timer: NodeJS.Timeout | undefined;
  private hookChain: Promise<void> = Promise.resolve();
  /** What the load balancers looked like when the hooks last heard about them. */
  private publishedLoadBalancers = '';
  private publishedFloatingIps = '';
  readonly startedAt = new Date().toISOString();
  url = '';

  constructor(private readonly options: SandboxOptions) {
    this.config = {
      speed: options.speed ?? 1,
      faultRate: options.faultRate ?? 0,
      rateLimit: options.rateLimit ?? DEFAULT_RATE_LIMIT,
    };
    this.store = new WorldStore(options.stateDir, {
      mode: options.persistence,
      compactAfterBytes: options.compactJournalAfterBytes,
    });
    this.openapi = loadOpenApi();
    this.faults = new FaultInjector(this.config.faultRate, options.seed ?? Date.now());
    const loaded = this.store.load();
    // A loaded world keeps its addresses; a new one takes an octet no other sandbox here holds.
    this.octet = reserveOctet(loaded?.counters.loopbackOctet);
    this.world = loaded ?? this.newWorld(this.octet);
    this.rescue = new RescueSsh({
      stateDir: options.stateDir,
      port: options.rescuePort ?? DEFAULT_RESCUE_PORT,
      host: {
        world: () => this.world,
        speed: () => this.config.speed,
        corruptDownloads: () => this.config.corruptDownloads === true,
        change: (mutate) => {
          mutate(this.world);
          this.store.save(this.world);
          this.emit([]);
        },
      },
    });
  }

  private newWorld(octet: number | undefined): World {
    const seed = this.options.seedImages === true;
    return createEmptyWorld(Date.now(), this.config.rateLimit.limit, octet, seed);
  }

  /** The loopback octet reserved for this sandbox's lifetime (see octet.ts). */
  readonly octet: number | undefined;

  /** Finishes what ended while the sandbox was down, then tells hooks which servers exist. */
  restore(): void {
    const ctx = this.context(Date.now());
    advanceActions(ctx);
    const events: HookEvent[] = [];
    for (const server of Object.values(this.world.servers)) {
      const info = serverInfo(this.world, server);
      events.push({ kind: 'created', server: info, restored: true });
      if (server.status === 'running') events.push({ kind: 'power', server: info, event: 'on' });
    }
    this.store.save(this.world);
    this.emit(events);
    this.schedule();
  }

  private context(now: number): SimContext {
    return {
      world: this.world,
      now,
      speed: this.config.speed,
      events: [],
      failAction: (command) => this.faults.failsAction(command),
    };
  }

  private emit(events: HookEvent[]): void {
    this.rescue.sync(this.world);
    const loadBalancers = loadBalancerInfo(this.world);
    const published = JSON.stringify(loadBalancers);
    if (published !== this.publishedLoadBalancers) {
      this.publishedLoadBalancers = published;
      events = [...events, { kind: 'load-balancers', loadBalancers }];
    }
    const floatingIps = floatingIpInfo(this.world);
    const publishedIps = JSON.stringify(floatingIps);
    if (publishedIps !== this.publishedFloatingIps) {
      this.publishedFloatingIps = publishedIps;
      events = [...events, { kind: 'floating-ips', floatingIps }];
    }
    if (events.length === 0 || !this.options.hooks) return;
    const hooks = this.options.hooks;
    this.hookChain = this.hookChain.then(() => dispatchHooks(hooks, events));
  }

  /** Wakes up when the next action is due so effects (and hooks) happen on time. */
  schedule(): void {
    clearTimeout(this.timer);
    const due = nextActionDue(this.world);
    if (due === undefined) return;
    const delay = Math.min(Math.max(0, due - Date.now()), 2 ** 31 - 1);
    this.timer = setTimeout(() => this.tick(), delay);
  }

  private tick(): void {
    const ctx = this.context(Date.now());
    if (advanceActions(ctx)) {
      this.store.save(this.world);
      this.emit(ctx.events);
    }
    this.schedule();
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    const raw = await readBody(req);
    if (url.pathname.startsWith('/_sandbox/')) {
      this.control(req.method ?? 'GET', url.pathname, raw, res);
      return;
    }
    this.api(req, res, url, raw);
  }

  private api(req: IncomingMessage, res: ServerResponse, url: URL, raw: string | undefined): void {
    const now = Date.now();
    const method = req.method ?? 'GET';
    const headers: Record<string, string> = { 'X-Correlation-Id': randomBytes(8).toString('hex') };
    if (!url.pathname.startsWith('/v1/')) {
      this.stats.record('unknown', 404);
      send(res, { status: 404, body: notFound('Route').toBody(), headers });
      return;
    }
    const rate = takeToken(this.world.rate, this.config.rateLimit, now);
    Object.assign(headers, rate.headers);
    const match = this.openapi.match(method, url.pathname.slice(3));
    const operationId = match?.op?.operationId ?? 'unknown';
    const answer = (response: HandlerResponse, drop = false) => {
      this.store.save(this.world);
      this.schedule();
      if (drop) {
        this.stats.record(operationId, 'dropped');
        this.stats.dropped();
        res.socket?.destroy();
        return;
      }
      this.stats.record(operationId, response.status);
      send(res, { ...response, headers: { ...headers, ...response.headers } });
    };
    const fail = (error: ApiError) => answer({ status: error.status, body: error.toBody() });

    if (!rate.allowed) {
      this.stats.rateLimited();
      return fail(new ApiError(429, 'rate_limit_exceeded', 'limit of requests per hour reached'));
    }
    if (!this.authorized(req.headers.authorization)) {
      return fail(new ApiError(401, 'unauthorized', 'unable to authenticate'));
    }
    if (!match) return fail(notFound('Route'));
    if (!match.op) {
      headers['Allow'] = match.allowed.join(', ');
      return fail(new ApiError(405, 'method_not_allowed', 'method not allowed'));
    }
    const fault = this.faults.decide(MUTATING.has(method), match.op.operationId);
    if (fault?.kind === 'error') {
      this.stats.fault();
      return fail(fault.error);
    }
    const response = this.perform(match.op, match.params, url, () => parseJson(raw), now);
    answer(response, fault?.kind === 'drop');
  }

  /** Runs one operation in a transaction: the world is rolled back when the handler throws. */
  private perform(
    op: Operation,
    params: Record<string, string>,
    url: URL,
    body: () => unknown,
    now: number,
  ): HandlerResponse {
    const method = op.method;
    const ctx = this.context(now);
    advanceActions(ctx);
    const before = MUTATING.has(method) ? structuredClone(this.world) : undefined;
    const settledEvents = ctx.events.length;
    let response: HandlerResponse;
    try {
      const parsed = body();
      const query = this.openapi.parseQuery(op, url.searchParams);
      this.openapi.validateBody(op, parsed);
      response = handlerFor(op)({ ctx, params, query, body: parsed, url });
    } catch (error) {
      if (before) {
        this.world = before;
        ctx.events.length = settledEvents;
      }
      if (!(error instanceof ApiError)) console.error(`sandbox: ${op.operationId} failed:`, error);
      response = error instanceof ApiError ? { status: error.status, body: error.toBody() } : internalError();
    }
    this.emit(ctx.events);
    return response;
  }

  /**
   * A call from inside the simulated cloud (Talos's VIP controller on a node), as if over HTTP:
   * the same authentication, validation, handlers, actions, persistence and hooks, but neither
   * counted in the stats nor charged to the rate limit, so the numbers stay those of the clients.
   */
  cloudCall(request: CloudRequest): CloudResponse {
    const url = new URL(request.path, 'http://sandbox.internal');
    const fail = (error: ApiError): CloudResponse => ({ status: error.status, body: error.toBody() });
    if (!this.authorized(`Bearer ${request.token}`)) {
      return fail(new ApiError(401, 'unauthorized', 'unable to authenticate'));
    }
    const match = url.pathname.startsWith('/v1/')
      ? this.openapi.match(request.method, url.pathname.slice(3))
      : undefined;
    if (!match?.op) return fail(notFound('Route'));
    const body =
      request.body === undefined ? undefined : (JSON.parse(JSON.stringify(request.body)) as unknown);
    const response = this.perform(match.op, match.params, url, () => body, Date.now());
    // Reads change nothing worth a write: actions they advanced finish the same way after a restart.
    if (MUTATING.has(request.method)) this.store.save(this.world);
    this.schedule();
    return { status: response.status, body: response.body };
  }

  private authorized(header: string | undefined): boolean {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!m) return false;
    return this.options.token === undefined || m[1] === this.options.token;
  }

  private control(method: string, path: string, raw: string | undefined, res: ServerResponse): void {
    const reply = (status: number, body: unknown) => send(res, { status, body });
    const route = `${method} ${path}`;
    switch (route) {
      case 'GET /_sandbox/health':
        return reply(200, {
          ok: true,
          pid: process.pid,
          url: this.url,
          startedAt: this.startedAt,
          config: this.config,
        });
      case 'GET /_sandbox/stats':
        return reply(200, this.stats.snapshot());
      case 'POST /_sandbox/stats/reset':
        this.stats.reset();
        return reply(200, { ok: true });
      case 'GET /_sandbox/persistence':
        return reply(200, this.store.stats());
      case 'GET /_sandbox/world':
        return reply(200, this.world);
      case 'POST /_sandbox/reset': {
        const gone: HookEvent[] = Object.values(this.world.servers).map((s) => ({
          kind: 'deleted',
          server: serverInfo(this.world, s),
        }));
        this.world = this.newWorld(this.world.counters.loopbackOctet);
        this.store.compact(this.world);
        this.emit(gone);
        this.schedule();
        return reply(200, { ok: true });
      }
      case 'POST /_sandbox/config':
        try {
          this.configure(parseJson(raw));
        } catch (error) {
          return reply(400, {
            error: { code: 'invalid_input', message: String((error as Error).message), details: null },
          });
        }
        return reply(200, this.config);
      default: {
        let body: unknown;
        try {
          body = parseJson(raw);
        } catch {
          body = undefined;
        }
        const extra = this.options.control?.(method, path, body);
        if (extra) return reply(extra.status, extra.body);
        return reply(404, notFound('Route').toBody());
      }
    }
  }

  private configure(input: unknown): void {
    applyConfig(this.config, input, {
      faults: this.faults,
      capRate: (limit) => {
        this.world.rate.tokens = Math.min(this.world.rate.tokens, limit);
        this.store.save(this.world);
      },
    });
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  async drainHooks(): Promise<void> {
    await this.hookChain;
  }

  /** Compacts the journal into world.json (a change after this opens the journal again). */
  closeStore(): void {
    this.store.close(this.world);
  }
}

function internalError(): HandlerResponse {
  return { status: 500, body: new ApiError(500, 'server_error', 'an internal error occurred').toBody() };
}

function parseJson(raw: string | undefined): unknown {
  if (raw === undefined || raw.trim() === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new ApiError(400, 'json_error', 'the request body is not valid JSON');
  }
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 0 ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, response: HandlerResponse): void {
  const headers = { ...response.headers };
  if (response.status === 204 || response.body === undefined) {
    res.writeHead(response.status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(response.body);
  headers['Content-Type'] = 'application/json';
  headers['Content-Length'] = String(Buffer.byteLength(text));
  res.writeHead(response.status, headers);
  res.end(text);
}

/** Starts the simulated Hetzner Cloud API. The world is loaded from `<stateDir>/world.json` (+ journal) if present. */
export async function startSandboxServer(options: SandboxOptions): Promise<RunningSandbox> {
  const sandbox = new Sandbox(options);
  const server: Server = createServer((req, res) => {
    sandbox.handle(req, res).catch((error: unknown) => {
      console.error('sandbox: request failed:', error);
      if (!res.headersSent) send(res, internalError());
      else res.destroy();
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  sandbox.url = `http://${hostInUrl}:${port}/v1`;
  sandbox.restore();
  let closed: Promise<void> | undefined;
  return {
    url: sandbox.url,
    port,
    cloud: (request) => sandbox.cloudCall(request),
    close() {
      closed ??= (async () => {
        sandbox.stop();
        await sandbox.rescue.close();
        releaseOctet(sandbox.octet);
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await sandbox.drainHooks();
        sandbox.closeStore();
      })();
      return closed;
    },
  };
}

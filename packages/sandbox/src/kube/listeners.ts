/**
 * The HTTPS endpoints of one cluster's API: one server per address (control-plane public IPv4s
 * and load balancer IPv4s), all with one certificate from the cluster's Kubernetes CA whose IP SANs
 * cover every address, requesting client certificates from that CA. Identity: CN = user, O = groups.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { KubeObject } from './types.js';
import { issueServerCert, loadCa } from '../talos/pki.js';
import type { ApiRequest, ApiResponse, User, WatchStream } from './api.js';

const MAX_BODY = 8 * 1024 * 1024;
const CERT_MAX_AGE_MS = 12 * 3_600_000;

export type RequestHandler = (address: string, request: ApiRequest) => ApiResponse | undefined;

interface Credentials {
  key: string;
  cert: string;
  ca: string;
  sans: string;
  issuedAt: number;
}

export class ApiListeners {
  private readonly servers = new Map<string, Server>();
  private credentials: Credentials | undefined;
  private ops: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly port: number,
    private readonly handler: RequestHandler,
    private readonly log: (message: string) => void,
  ) {}

  get addresses(): string[] {
    return [...this.servers.keys()];
  }

  /** Serialized: listens on exactly `wanted` with a certificate for `sanIps`. */
  update(wanted: string[], sanIps: string[], ca: { crt: string; key: string } | undefined): Promise<void> {
    this.ops = this.ops
      .then(() => this.apply(ca ? wanted : [], sanIps, ca))
      .catch((error: unknown) => this.log(`kube: listeners: ${(error as Error).message}`));
    return this.ops;
  }

  private async apply(
    wanted: string[],
    sanIps: string[],
    ca: { crt: string; key: string } | undefined,
  ): Promise<void> {
    if (this.closed) return;
    for (const [ip, server] of this.servers) {
      if (!wanted.includes(ip)) {
        this.servers.delete(ip);
        await closeServer(server);
      }
    }
    if (!ca || wanted.length === 0) return;
    const sans = JSON.stringify([...new Set(sanIps)].sort()) + ca.crt;
    const stale =
      !this.credentials ||
      this.credentials.sans !== sans ||
      Date.now() - this.credentials.issuedAt > CERT_MAX_AGE_MS;
    if (stale) {
      const signer = await loadCa(ca.crt, ca.key);
      const dns = [
        'localhost',
        'kubernetes',
        'kubernetes.default',
        'kubernetes.default.svc',
        'kubernetes.default.svc.cluster.local',
      ];
      const pair = await issueServerCert(
        signer,
        [...new Set([...sanIps, '10.96.0.1'])],
        dns,
        'kube-apiserver',
      );
      this.credentials = { key: pair.key, cert: pair.cert, ca: ca.crt, sans, issuedAt: Date.now() };
      for (const server of this.servers.values()) server.setSecureContext(this.tlsOptions());
    }
    for (const ip of wanted) {
      if (this.servers.has(ip) || this.closed) continue;
      const server = await this.listen(ip);
      if (server) this.servers.set(ip, server);
    }
  }

  private tlsOptions() {
    const c = this.credentials;
    if (!c) throw new Error('no serving certificate');
    return { key: c.key, cert: c.cert, ca: c.ca };
  }

  private async listen(ip: string): Promise<Server | undefined> {
    const server = createServer(
      { ...this.tlsOptions(), requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.2' },
      (req, res) => {
        this.serve(ip, req, res).catch((error: unknown) => {
          this.log(`kube: request failed: ${(error as Error).message}`);
          if (!res.headersSent) res.writeHead(500).end();
          else res.destroy();
        });
      },
    );
    server.on('tlsClientError', () => {});
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.port, ip, () => {
          server.off('error', reject);
          resolve();
        });
      });
      return server;
    } catch (error) {
      this.log(`kube: cannot listen on ${ip}:${this.port}: ${(error as Error).message}`);
      return undefined;
    }
  }

  private async serve(ip: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const socket = req.socket as TLSSocket;
    const peer = socket.getPeerCertificate();
    const presented = peer !== null && typeof peer === 'object' && Object.keys(peer).length > 0;
    if (presented && !socket.authorized) {
      return send(res, {
        status: 401,
        body: {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: 'Unauthorized',
          reason: 'Unauthorized',
          code: 401,
        },
      });
    }
    const user: User | null = presented ? identity(peer.subject) : null;
    const url = new URL(req.url ?? '/', `https://${ip}`);
    const answer = this.handler(ip, {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      accept: req.headers.accept,
      contentType: req.headers['content-type'],
      userAgent: req.headers['user-agent'],
      body,
      user,
    });
    if (!answer) {
      // The instance behind this address went away between accept and answer.
      res.destroy();
      return;
    }
    if (answer.watch) streamWatch(res, answer.watch);
    else send(res, answer);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.ops;
    const servers = [...this.servers.values()];
    this.servers.clear();
    await Promise.all(servers.map(closeServer));
  }
}

const WATCH_POLL_MS = 50;

/** Streams ADDED/MODIFIED/DELETED events by comparing snapshots, until the timeout or the client leaves. */
function streamWatch(res: ServerResponse, watch: WatchStream): void {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  const known = new Map<string, KubeObject>();
  const emit = (type: string, object: KubeObject) => res.write(`${JSON.stringify({ type, object })}\n`);
  for (const obj of watch.snapshot()) {
    known.set(obj.metadata.uid, obj);
    if (Number(obj.metadata.resourceVersion) > watch.since) emit('ADDED', obj);
  }
  const poll = setInterval(() => {
    const seen = new Set<string>();
    for (const obj of watch.snapshot()) {
      seen.add(obj.metadata.uid);
      const before = known.get(obj.metadata.uid);
      if (!before) emit('ADDED', obj);
      else if (before.metadata.resourceVersion !== obj.metadata.resourceVersion) emit('MODIFIED', obj);
      known.set(obj.metadata.uid, obj);
    }
    for (const [uid, obj] of known) {
      if (seen.has(uid)) continue;
      known.delete(uid);
      emit('DELETED', obj);
    }
  }, WATCH_POLL_MS);
  const stop = () => {
    clearInterval(poll);
    clearTimeout(timer);
  };
  const timer = setTimeout(() => {
    stop();
    res.end();
  }, watch.timeoutMs);
  res.on('close', stop);
}

function identity(subject: unknown): User {
  const s = (subject ?? {}) as { CN?: string | string[]; O?: string | string[] };
  const cn = Array.isArray(s.CN) ? s.CN[0] : s.CN;
  const groups = s.O === undefined ? [] : Array.isArray(s.O) ? s.O : [s.O];
  return { name: cn ?? '', groups: [...groups, 'system:authenticated'] };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
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

function send(res: ServerResponse, answer: ApiResponse): void {
  const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    ...answer.headers,
    'Content-Type': answer.contentType ?? 'application/json',
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-cache, private',
  });
  res.end(text);
}

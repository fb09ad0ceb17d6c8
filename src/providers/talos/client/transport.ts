/**
 * How one Talos call is made: the insecure-mode allow list, `nodes` targeting, a deadline per
 * attempt, retries with jittered exponential backoff for idempotent calls on UNAVAILABLE and
 * DEADLINE_EXCEEDED, and the check of every reply message's `metadata.error`.
 */
import {
  Metadata,
  status as GrpcStatus,
  type CallOptions,
  type Client,
  type ClientReadableStream,
  type ServiceError,
} from '@grpc/grpc-js';
import { fromMetadataError, fromServiceError, isServiceError, TalosApiError } from './errors.js';
import type { RetryPolicy, TalosCallOptions, TalosMethod } from './types.js';

export const DEFAULT_TIMEOUTS: Record<TalosMethod, number> = {
  ApplyConfiguration: 60_000,
  Bootstrap: 30_000,
  Kubeconfig: 30_000,
  Version: 10_000,
  EtcdMemberList: 15_000,
  EtcdStatus: 15_000,
  EtcdRemoveMemberByID: 30_000,
  EtcdLeaveCluster: 60_000,
  Upgrade: 60_000,
  Reboot: 30_000,
  Reset: 60_000,
  ServiceList: 10_000,
  HealthCheck: 60_000,
  ImagePull: 600_000,
  LifecycleUpgrade: 900_000,
  CosiGet: 10_000,
  CosiList: 15_000,
};

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 250, maxDelayMs: 4000 };

/** Safe to repeat: they change nothing on the node. */
const IDEMPOTENT: ReadonlySet<TalosMethod> = new Set([
  'Version',
  'ServiceList',
  'EtcdMemberList',
  'EtcdStatus',
  'Kubeconfig',
  'HealthCheck',
  'CosiGet',
  'CosiList',
]);
// CANCELLED is retried too: hk8s never cancels its own unary calls, so a CANCELLED answer means the
// node reset the stream while it went down (a reboot racing the call), which is no answer at all.
const RETRY_CODES: ReadonlySet<number> = new Set([
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.CANCELLED,
]);

/** What a node in maintenance mode answers without a client certificate (COSI reads as os:reader). */
const INSECURE_ALLOWED: ReadonlySet<TalosMethod> = new Set([
  'ApplyConfiguration',
  'Version',
  'CosiGet',
  'CosiList',
]);

/** apid proxies COSI calls one-to-one only: the target goes as `node`, never `nodes`. */
const SINGLE_NODE: ReadonlySet<TalosMethod> = new Set(['CosiGet', 'CosiList']);

export interface ReplyMetadata {
  hostname?: string;
  error?: string;
  status?: { code?: number; message?: string } | null;
}
export interface WithMetadata {
  metadata?: ReplyMetadata | null;
}

type UnaryFn = (
  request: unknown,
  metadata: Metadata,
  options: CallOptions,
  callback: (error: ServiceError | null, response?: unknown) => void,
) => unknown;
type StreamFn = (request: unknown, metadata: Metadata, options: CallOptions) => ClientReadableStream<unknown>;

export interface StreamOptions {
  /** Deadline when the caller gave none (HealthCheck: its wait timeout plus a margin). */
  timeoutMs?: number;
  /**
   * The caller collects the whole stream and can start over: a failure after some messages is
   * then retried too (this is called before each new attempt).
   */
  restart?: () => void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class TalosTransport {
  closed = false;

  constructor(
    readonly endpoint: string,
    private readonly mode: 'mtls' | 'insecure',
    private readonly timeouts: Record<TalosMethod, number>,
    private readonly retry: RetryPolicy,
  ) {}

  where(options: TalosCallOptions | undefined): string {
    return options?.node ? `${this.endpoint} → ${options.node}` : this.endpoint;
  }

  private prepare(method: TalosMethod, options: TalosCallOptions | undefined): Metadata {
    if (this.closed) throw new Error(`Talos client for ${this.endpoint} is closed`);
    if (this.mode === 'insecure' && !INSECURE_ALLOWED.has(method)) {
      throw new TalosApiError({
        code: 'provider.auth',
        message: `${method} requires mTLS`,
        method,
        where: this.where(options),
        hint: 'only ApplyConfiguration, Version and COSI reads work without a client certificate (maintenance mode); connect with mode "mtls"',
      });
    }
    const metadata = new Metadata();
    if (options?.node) {
      if (SINGLE_NODE.has(method)) metadata.set('node', options.node);
      else metadata.add('nodes', options.node);
    }
    return metadata;
  }

  private deadline(
    method: TalosMethod,
    options: TalosCallOptions | undefined,
    fallback?: number,
  ): CallOptions {
    const ms = options?.timeoutMs ?? fallback ?? this.timeouts[method];
    return { deadline: new Date(Date.now() + ms) };
  }

  private async withRetry<T>(
    method: TalosMethod,
    options: TalosCallOptions | undefined,
    attempt: () => Promise<T>,
    retryPartial = false,
  ): Promise<T> {
    const attempts = IDEMPOTENT.has(method) ? Math.max(1, options?.attempts ?? this.retry.attempts) : 1;
    for (let i = 1; ; i++) {
      try {
        return await attempt();
      } catch (error) {
        const retryable =
          isServiceError(error) &&
          RETRY_CODES.has(error.code) &&
          (retryPartial || !(error as { afterData?: boolean }).afterData);
        if (!retryable || i >= attempts || this.closed) {
          throw isServiceError(error) ? fromServiceError(error, method, this.where(options)) : error;
        }
        const backoff = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (i - 1));
        await sleep(backoff / 2 + Math.random() * (backoff / 2));
      }
    }
  }

  /** Raises the first `metadata.error` (a node's failure inside an otherwise OK reply). */
  check<T extends WithMetadata>(
    method: TalosMethod,
    options: TalosCallOptions | undefined,
    messages: T[],
  ): T[] {
    for (const message of messages) {
      if (message.metadata?.error) {
        throw fromMetadataError(message.metadata, method, this.endpoint, options?.node);
      }
    }
    return messages;
  }

  /**
   * One unary RPC, its reply as it came: for services without apid's `messages` wrapper (COSI).
   * Errors are raised as TalosApiError with the gRPC status.
   */
  async unaryRaw<T>(
    client: Client,
    rpc: string,
    method: TalosMethod,
    request: unknown,
    options: TalosCallOptions | undefined,
  ): Promise<T> {
    const metadata = this.prepare(method, options);
    // Boundary: proto-loader clients expose their RPCs as dynamic methods named by the proto.
    const fn = (client as unknown as Record<string, UnaryFn>)[rpc];
    if (!fn) throw new Error(`no RPC ${rpc} in the loaded protocol`);
    return this.withRetry(
      method,
      options,
      () =>
        new Promise<T>((resolve, reject) => {
          fn.call(client, request, metadata, this.deadline(method, options), (error, response) => {
            if (error) reject(error);
            else resolve((response ?? {}) as T);
          });
        }),
    );
  }

  /** One unary RPC; returns the first message of the reply. */
  async unary<T extends WithMetadata>(
    client: Client,
    rpc: string,
    method: TalosMethod,
    request: unknown,
    options: TalosCallOptions | undefined,
  ): Promise<T> {
    const reply = await this.unaryRaw<{ messages?: T[] }>(client, rpc, method, request, options);
    const [first] = this.check(method, options, reply.messages ?? []);
    if (!first) {
      throw new TalosApiError({
        code: 'provider.api',
        message: `${method}: the node sent an empty reply`,
        method,
        where: this.where(options),
      });
    }
    return first;
  }

  /** One server-streaming RPC; `onMessage` sees each message as it arrives (and may throw). */
  async stream<T>(
    client: Client,
    rpc: string,
    method: TalosMethod,
    request: unknown,
    options: TalosCallOptions | undefined,
    onMessage: (message: T) => void,
    streamOptions: StreamOptions = {},
  ): Promise<void> {
    const metadata = this.prepare(method, options);
    // Boundary: proto-loader clients expose their RPCs as dynamic methods named by the proto.
    const fn = (client as unknown as Record<string, StreamFn>)[rpc];
    if (!fn) throw new Error(`no RPC ${rpc} in the loaded protocol`);
    let attempt = 0;
    const run = () =>
      new Promise<void>((resolve, reject) => {
        if (attempt++ > 0) streamOptions.restart?.();
        let received = false;
        let failed = false;
        const call = fn.call(
          client,
          request,
          metadata,
          this.deadline(method, options, streamOptions.timeoutMs),
        );
        call.on('data', (message: unknown) => {
          if (failed) return;
          received = true;
          try {
            onMessage(message as T);
          } catch (error) {
            failed = true;
            call.cancel();
            reject(error);
          }
        });
        call.on('error', (error: ServiceError) => {
          if (failed) return;
          failed = true;
          if (received) Object.assign(error, { afterData: true });
          reject(error);
        });
        call.on('end', () => {
          if (!failed) resolve();
        });
      });
    await this.withRetry(method, options, run, streamOptions.restart !== undefined);
  }
}

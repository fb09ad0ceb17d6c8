/**
 * The Talos machine API client (gRPC over mTLS, or plain TLS in maintenance mode). Every call has a
 * deadline; idempotent calls are retried with backoff on UNAVAILABLE and DEADLINE_EXCEEDED; every
 * reply message's `metadata.error` is checked and raised.
 */
import { credentials, type ChannelCredentials, type Client } from '@grpc/grpc-js';
import { isIP } from 'node:net';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { TalosApiError } from './errors.js';
import { talosServices } from './proto.js';
import { fileFromTarGz } from './tar.js';
import { DEFAULT_RETRY, DEFAULT_TIMEOUTS, TalosTransport, type WithMetadata } from './transport.js';
import type {
  ApplyConfigurationRequest,
  ApplyConfigurationResult,
  ApplyMode,
  EtcdMember,
  HealthCheckRequest,
  ImagePullRequest,
  LifecycleUpgradeRequest,
  ResetRequest,
  ServiceStatus,
  TalosCallOptions,
  TalosClient,
  TalosClientOptions,
  TalosVersion,
  UpgradeRequest,
} from './types.js';

const DEFAULT_PORT = 50000;
const DEFAULT_HEALTH_WAIT_MS = 20 * 60_000;

/** Splits `host[:port]` / `[v6][:port]`; the port defaults to 50000. */
export function parseEndpoint(endpoint: string): { host: string; port: number; target: string } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(endpoint);
  const v4 = /^([^:]+)(?::(\d+))?$/.exec(endpoint);
  const m = v6 ?? v4;
  if (!m?.[1]) throw new Error(`invalid Talos endpoint '${endpoint}' (want host:port)`);
  const host = m[1];
  const port = m[2] === undefined ? DEFAULT_PORT : Number(m[2]);
  return { host, port, target: host.includes(':') ? `[${host}]:${port}` : `${host}:${port}` };
}

/** Accepts PEM, or base64 of PEM as a talosconfig stores it; relabels Talos's ed25519 key label. */
function pem(value: string): Buffer {
  const text = value.includes('-----BEGIN') ? value : Buffer.from(value, 'base64').toString('utf8');
  return Buffer.from(text.replace(/-----(BEGIN|END) ED25519 PRIVATE KEY-----/g, '-----$1 PRIVATE KEY-----'));
}

function channelCredentials(options: TalosClientOptions, host: string): ChannelCredentials {
  if (options.mode === 'insecure') {
    return credentials.createSsl(null, null, null, { rejectUnauthorized: false });
  }
  return credentials.createSsl(pem(options.ca), pem(options.key), pem(options.cert), {
    // Talos puts the node's addresses in its certificate's SANs; check the one we dialled.
    checkServerIdentity: (_servername: string, cert: PeerCertificate) => checkServerIdentity(host, cert),
  });
}

function duration(ms: number): { seconds: string; nanos: number } {
  const whole = Math.max(0, Math.floor(ms));
  return { seconds: String(Math.floor(whole / 1000)), nanos: (whole % 1000) * 1_000_000 };
}

function containerd(namespace: 'system' | 'cri' | undefined): { driver: string; namespace: string } {
  return { driver: 'CRI', namespace: namespace === 'cri' ? 'NS_CRI' : 'NS_SYSTEM' };
}

class GrpcTalosClient implements TalosClient {
  readonly endpoint: string;
  readonly mode: 'mtls' | 'insecure';
  private readonly machine: Client;
  private readonly lifecycle: Client;
  private readonly images: Client;
  private readonly cluster: Client;
  private readonly transport: TalosTransport;
  /** Stream failures that came after some data: never retried (the caller saw progress). */

  constructor(options: TalosClientOptions) {
    const { host, target } = parseEndpoint(options.endpoint);
    this.endpoint = target;
    this.mode = options.mode;
    this.transport = new TalosTransport(
      target,
      options.mode,
      { ...DEFAULT_TIMEOUTS, ...options.timeouts },
      { ...DEFAULT_RETRY, ...options.retry },
    );
    const services = talosServices();
    const channelOptions: Record<string, string | number> = {
      // A rebooting node is back within seconds: do not let the reconnect backoff grow to minutes.
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 5000,
    };
    // TLS forbids an IP address as SNI (Node warns); apid ignores SNI, and the server identity is
    // still checked against the dialled IP by checkServerIdentity above.
    if (isIP(host) !== 0) channelOptions['grpc.ssl_target_name_override'] = 'talos-apid';
    this.machine = new services.MachineService(target, channelCredentials(options, host), channelOptions);
    const shared = { ...channelOptions, channelOverride: this.machine.getChannel() };
    this.lifecycle = new services.LifecycleService(target, credentials.createInsecure(), shared);
    this.images = new services.ImageService(target, credentials.createInsecure(), shared);
    this.cluster = new services.ClusterService(target, credentials.createInsecure(), shared);
  }

  close(): void {
    if (this.transport.closed) return;
    this.transport.closed = true;
    this.machine.close();
  }

  // ---- MachineService -------------------------------------------------------------------------

  async applyConfiguration(
    request: ApplyConfigurationRequest,
    options?: TalosCallOptions,
  ): Promise<ApplyConfigurationResult> {
    const data =
      typeof request.data === 'string' ? Buffer.from(request.data, 'utf8') : Buffer.from(request.data);
    const body: Record<string, unknown> = {
      data,
      mode: request.mode ?? 'AUTO',
      dryRun: request.dryRun ?? false,
    };
    if (request.tryModeTimeoutMs !== undefined) body['tryModeTimeout'] = duration(request.tryModeTimeoutMs);
    const reply = await this.transport.unary<
      { mode?: string; modeDetails?: string; warnings?: string[] } & WithMetadata
    >(this.machine, 'ApplyConfiguration', 'ApplyConfiguration', body, options);
    return {
      mode: (reply.mode ?? 'REBOOT') as ApplyMode,
      modeDetails: reply.modeDetails ?? '',
      warnings: reply.warnings ?? [],
    };
  }

  async bootstrap(
    request: { recoverEtcd?: boolean; recoverSkipHashCheck?: boolean } = {},
    options?: TalosCallOptions,
  ): Promise<void> {
    await this.transport.unary(
      this.machine,
      'Bootstrap',
      'Bootstrap',
      {
        recoverEtcd: request.recoverEtcd ?? false,
        recoverSkipHashCheck: request.recoverSkipHashCheck ?? false,
      },
      options,
    );
  }

  async kubeconfig(options?: TalosCallOptions): Promise<string> {
    let chunks: Buffer[] = [];
    await this.transport.stream<{ bytes?: Buffer } & WithMetadata>(
      this.machine,
      'Kubeconfig',
      'Kubeconfig',
      {},
      options,
      (m) => {
        this.transport.check('Kubeconfig', options, [m]);
        if (m.bytes && m.bytes.length > 0) chunks.push(Buffer.from(m.bytes));
      },
      { restart: () => (chunks = []) },
    );
    const archive = Buffer.concat(chunks);
    let file: Buffer | undefined;
    try {
      file = fileFromTarGz(archive, 'kubeconfig');
    } catch (error) {
      throw new TalosApiError({
        code: 'provider.api',
        message: `Kubeconfig: the node sent an unreadable archive (${(error as Error).message})`,
        method: 'Kubeconfig',
        where: this.transport.where(options),
        cause: error,
      });
    }
    if (!file) {
      throw new TalosApiError({
        code: 'provider.api',
        message: 'Kubeconfig: the archive has no kubeconfig file',
        method: 'Kubeconfig',
        where: this.transport.where(options),
      });
    }
    return file.toString('utf8');
  }

  async version(options?: TalosCallOptions): Promise<TalosVersion> {
    type V = WithMetadata & {
      version?: Record<string, string> | null;
      platform?: { name?: string; mode?: string } | null;
      features?: { rbac?: boolean } | null;
    };
    const reply = await this.transport.unary<V>(this.machine, 'Version', 'Version', {}, options);
    const v = reply.version ?? {};
    return {
      tag: v['tag'] ?? '',
      sha: v['sha'] ?? '',
      built: v['built'] ?? '',
      goVersion: v['goVersion'] ?? '',
      os: v['os'] ?? '',
      arch: v['arch'] ?? '',
      platform: reply.platform ? { name: reply.platform.name ?? '', mode: reply.platform.mode ?? '' } : null,
      rbac: reply.features?.rbac ?? false,
    };
  }

  async etcdMemberList(
    request: { queryLocal?: boolean } = {},
    options?: TalosCallOptions,
  ): Promise<EtcdMember[]> {
    type M = WithMetadata & {
      members?: Array<{
        id?: string;
        hostname?: string;
        peerUrls?: string[];
        clientUrls?: string[];
        isLearner?: boolean;
      }>;
    };
    const reply = await this.transport.unary<M>(
      this.machine,
      'EtcdMemberList',
      'EtcdMemberList',
      {
        queryLocal: request.queryLocal ?? false,
      },
      options,
    );
    return (reply.members ?? []).map((m) => ({
      id: String(m.id ?? '0'),
      hostname: m.hostname ?? '',
      peerUrls: m.peerUrls ?? [],
      clientUrls: m.clientUrls ?? [],
      isLearner: m.isLearner ?? false,
    }));
  }

  async etcdRemoveMemberById(memberId: string | bigint, options?: TalosCallOptions): Promise<void> {
    await this.transport.unary(
      this.machine,
      'EtcdRemoveMemberByID',
      'EtcdRemoveMemberByID',
      {
        memberId: String(memberId),
      },
      options,
    );
  }

  async etcdLeaveCluster(options?: TalosCallOptions): Promise<void> {
    await this.transport.unary(this.machine, 'EtcdLeaveCluster', 'EtcdLeaveCluster', {}, options);
  }

  async upgrade(
    request: UpgradeRequest,
    options?: TalosCallOptions,
  ): Promise<{ ack: string; actorId: string }> {
    const reply = await this.transport.unary<WithMetadata & { ack?: string; actorId?: string }>(
      this.machine,
      'Upgrade',
      'Upgrade',
      {
        image: request.image,
        preserve: request.preserve ?? false,
        stage: request.stage ?? false,
        force: request.force ?? false,
        rebootMode: request.rebootMode ?? 'DEFAULT',
      },
      options,
    );
    return { ack: reply.ack ?? '', actorId: reply.actorId ?? '' };
  }

  async reboot(
    request: { mode?: 'DEFAULT' | 'POWERCYCLE' | 'FORCE' } = {},
    options?: TalosCallOptions,
  ): Promise<{ actorId: string }> {
    const reply = await this.transport.unary<WithMetadata & { actorId?: string }>(
      this.machine,
      'Reboot',
      'Reboot',
      {
        mode: request.mode ?? 'DEFAULT',
      },
      options,
    );
    return { actorId: reply.actorId ?? '' };
  }

  async reset(request: ResetRequest = {}, options?: TalosCallOptions): Promise<{ actorId: string }> {
    const reply = await this.transport.unary<WithMetadata & { actorId?: string }>(
      this.machine,
      'Reset',
      'Reset',
      {
        graceful: request.graceful ?? true,
        reboot: request.reboot ?? true,
        systemPartitionsToWipe: request.systemPartitionsToWipe ?? [],
        userDisksToWipe: request.userDisksToWipe ?? [],
        mode: request.mode ?? 'ALL',
      },
      options,
    );
    return { actorId: reply.actorId ?? '' };
  }

  async serviceList(options?: TalosCallOptions): Promise<ServiceStatus[]> {
    type S = WithMetadata & {
      services?: Array<{
        id?: string;
        state?: string;
        health?: { unknown?: boolean; healthy?: boolean; lastMessage?: string } | null;
      }>;
    };
    const reply = await this.transport.unary<S>(this.machine, 'ServiceList', 'ServiceList', {}, options);
    return (reply.services ?? []).map((s) => ({
      id: s.id ?? '',
      state: s.state ?? '',
      healthy: s.health?.healthy ?? false,
      healthUnknown: s.health?.unknown ?? true,
      lastMessage: s.health?.lastMessage ?? '',
    }));
  }

  // ---- ClusterService -------------------------------------------------------------------------

  async healthCheck(request: HealthCheckRequest = {}, options?: TalosCallOptions): Promise<string[]> {
    const wait = request.waitTimeoutMs ?? DEFAULT_HEALTH_WAIT_MS;
    const lines: string[] = [];
    await this.transport.stream<WithMetadata & { message?: string }>(
      this.cluster,
      'HealthCheck',
      'HealthCheck',
      {
        waitTimeout: duration(wait),
        clusterInfo: {
          controlPlaneNodes: request.controlPlaneNodes ?? [],
          workerNodes: request.workerNodes ?? [],
          forceEndpoint: request.forceEndpoint ?? '',
        },
      },
      options,
      (m) => {
        this.transport.check('HealthCheck', options, [m]);
        const line = m.message ?? '';
        lines.push(line);
        request.onProgress?.(line);
      },
      { timeoutMs: wait + 30_000 },
    );
    return lines;
  }

  // ---- ImageService and LifecycleService (1.13+) ---------------------------------------------

  async imagePull(request: ImagePullRequest, options?: TalosCallOptions): Promise<string> {
    let name = '';
    await this.transport.stream<{ name?: string; response?: string }>(
      this.images,
      'Pull',
      'ImagePull',
      { containerd: containerd(request.namespace), imageRef: request.imageRef },
      options,
      (m) => {
        if (m.response === 'name' && m.name) name = m.name;
      },
    );
    return name || request.imageRef;
  }

  async lifecycleUpgrade(request: LifecycleUpgradeRequest, options?: TalosCallOptions): Promise<string[]> {
    const lines: string[] = [];
    let exitCode: number | undefined;
    await this.transport.stream<{
      progress?: { message?: string; exitCode?: number; response?: string } | null;
    }>(
      this.lifecycle,
      'Upgrade',
      'LifecycleUpgrade',
      { containerd: containerd(request.namespace), source: { imageName: request.imageName } },
      options,
      (m) => {
        const p = m.progress;
        if (p?.response === 'message' && p.message !== undefined) {
          lines.push(p.message);
          request.onProgress?.(p.message);
        } else if (p?.response === 'exitCode') {
          exitCode = p.exitCode ?? 0;
        }
      },
    );
    if (exitCode !== 0) {
      throw new TalosApiError({
        code: 'provider.api',
        message:
          exitCode === undefined
            ? 'LifecycleUpgrade: the stream ended without an exit code'
            : `LifecycleUpgrade: the installer exited with code ${exitCode}: ${lines.at(-1) ?? ''}`,
        method: 'LifecycleUpgrade',
        where: this.transport.where(options),
        hint: 'read the installer output; the node keeps running its current version',
        detail: lines.join('\n'),
      });
    }
    return lines;
  }
}

/** Opens a client to one Talos endpoint (`host:port`). Close it when done. */
export function createTalosClient(options: TalosClientOptions): TalosClient {
  return new GrpcTalosClient(options);
}

/**
 * The Talos machine API client (gRPC over mTLS, or plain TLS in maintenance mode). Every call has a
 * deadline; idempotent calls are retried with backoff on UNAVAILABLE and DEADLINE_EXCEEDED; every
 * reply message's `metadata.error` is checked and raised.
 */
import type { Client } from '@grpc/grpc-js';
import { openServiceClients, parseEndpoint } from './connection.js';
import { cosiGet, cosiList, runningSchematic } from './cosi.js';
import { duration } from './proto.js';
import { pullImage, readKubeconfig, runHealthCheck, runLifecycleUpgrade } from './streams.js';
import { DEFAULT_RETRY, DEFAULT_TIMEOUTS, TalosTransport, type WithMetadata } from './transport.js';
import type {
  ApplyConfigurationRequest,
  ApplyConfigurationResult,
  ApplyMode,
  CosiRef,
  CosiResource,
  EtcdMember,
  EtcdMemberStatus,
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

class GrpcTalosClient implements TalosClient {
  readonly endpoint: string;
  readonly mode: 'mtls' | 'insecure';
  private readonly machine: Client;
  private readonly lifecycle: Client;
  private readonly images: Client;
  private readonly cluster: Client;
  private readonly cosi: Client;
  private readonly transport: TalosTransport;

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
    const clients = openServiceClients(options, host, target);
    this.machine = clients.machine;
    this.lifecycle = clients.lifecycle;
    this.images = clients.images;
    this.cluster = clients.cluster;
    this.cosi = clients.cosi;
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

  kubeconfig(options?: TalosCallOptions): Promise<string> {
    return readKubeconfig(this.transport, this.machine, options);
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

  async etcdStatus(options?: TalosCallOptions): Promise<EtcdMemberStatus> {
    type S = WithMetadata & {
      memberStatus?: { memberId?: string; leader?: string; isLearner?: boolean; errors?: string[] } | null;
    };
    const reply = await this.transport.unary<S>(this.machine, 'EtcdStatus', 'EtcdStatus', {}, options);
    const s = reply.memberStatus ?? {};
    return {
      memberId: String(s.memberId ?? '0'),
      leader: String(s.leader ?? '0'),
      isLearner: s.isLearner ?? false,
      errors: s.errors ?? [],
    };
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

  // ---- ClusterService, ImageService and LifecycleService (streams) ----------------------------

  healthCheck(request: HealthCheckRequest = {}, options?: TalosCallOptions): Promise<string[]> {
    return runHealthCheck(this.transport, this.cluster, request, options);
  }

  imagePull(request: ImagePullRequest, options?: TalosCallOptions): Promise<string> {
    return pullImage(this.transport, this.images, request, options);
  }

  lifecycleUpgrade(request: LifecycleUpgradeRequest, options?: TalosCallOptions): Promise<string[]> {
    return runLifecycleUpgrade(this.transport, this.lifecycle, request, options);
  }

  // ---- cosi.resource.State --------------------------------------------------------------------

  cosiGet(ref: CosiRef & { id: string }, options?: TalosCallOptions): Promise<CosiResource | undefined> {
    return cosiGet(this.transport, this.cosi, ref, options);
  }

  cosiList(ref: CosiRef, options?: TalosCallOptions): Promise<CosiResource[]> {
    return cosiList(this.transport, this.cosi, ref, options);
  }

  runningSchematic(options?: TalosCallOptions): Promise<string | null> {
    return runningSchematic(this.transport, this.cosi, options);
  }
}

/** Opens a client to one Talos endpoint (`host:port`). Close it when done. */
export function createTalosClient(options: TalosClientOptions): TalosClient {
  return new GrpcTalosClient(options);
}

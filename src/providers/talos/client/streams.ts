/**
 * The server-streaming calls: Kubeconfig (a tar.gz in chunks), HealthCheck (progress lines),
 * ImagePull and LifecycleUpgrade (1.13+). Each gathers its messages and checks the outcome the
 * stream itself reports.
 */
import type { Client } from '@grpc/grpc-js';
import { TalosApiError } from './errors.js';
import { duration } from './proto.js';
import { fileFromTarGz } from './tar.js';
import type { TalosTransport, WithMetadata } from './transport.js';
import type {
  HealthCheckRequest,
  ImagePullRequest,
  LifecycleUpgradeRequest,
  TalosCallOptions,
} from './types.js';

const DEFAULT_HEALTH_WAIT_MS = 20 * 60_000;

function containerd(namespace: 'system' | 'cri' | undefined): { driver: string; namespace: string } {
  return { driver: 'CRI', namespace: namespace === 'cri' ? 'NS_CRI' : 'NS_SYSTEM' };
}

/** MachineService.Kubeconfig: the admin kubeconfig, unpacked from the streamed archive. */
export async function readKubeconfig(
  transport: TalosTransport,
  machine: Client,
  options?: TalosCallOptions,
): Promise<string> {
  let chunks: Buffer[] = [];
  await transport.stream<{ bytes?: Buffer } & WithMetadata>(
    machine,
    'Kubeconfig',
    'Kubeconfig',
    {},
    options,
    (m) => {
      transport.check('Kubeconfig', options, [m]);
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
      where: transport.where(options),
      cause: error,
    });
  }
  if (!file) {
    throw new TalosApiError({
      code: 'provider.api',
      message: 'Kubeconfig: the archive has no kubeconfig file',
      method: 'Kubeconfig',
      where: transport.where(options),
    });
  }
  return file.toString('utf8');
}

/** ClusterService.HealthCheck: the progress lines, passed on to `onProgress` as they come. */
export async function runHealthCheck(
  transport: TalosTransport,
  cluster: Client,
  request: HealthCheckRequest,
  options?: TalosCallOptions,
): Promise<string[]> {
  const wait = request.waitTimeoutMs ?? DEFAULT_HEALTH_WAIT_MS;
  const lines: string[] = [];
  await transport.stream<WithMetadata & { message?: string }>(
    cluster,
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
      transport.check('HealthCheck', options, [m]);
      const line = m.message ?? '';
      lines.push(line);
      request.onProgress?.(line);
    },
    { timeoutMs: wait + 30_000 },
  );
  return lines;
}

/** ImageService.Pull: the resolved image name, or the requested reference if none was sent. */
export async function pullImage(
  transport: TalosTransport,
  images: Client,
  request: ImagePullRequest,
  options?: TalosCallOptions,
): Promise<string> {
  let name = '';
  await transport.stream<{ name?: string; response?: string }>(
    images,
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

/** LifecycleService.Upgrade: the installer's output lines; a non-zero or missing exit code throws. */
export async function runLifecycleUpgrade(
  transport: TalosTransport,
  lifecycle: Client,
  request: LifecycleUpgradeRequest,
  options?: TalosCallOptions,
): Promise<string[]> {
  const lines: string[] = [];
  let exitCode: number | undefined;
  await transport.stream<{
    progress?: { message?: string; exitCode?: number; response?: string } | null;
  }>(
    lifecycle,
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
      where: transport.where(options),
      hint: 'read the installer output; the node keeps running its current version',
      detail: lines.join('\n'),
    });
  }
  return lines;
}

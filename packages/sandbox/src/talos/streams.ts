/**
 * Server-streaming RPCs of a simulated node: Kubeconfig (one tar.gz chunk), the cluster health
 * check (progress lines until every check passes or wait_timeout), and the 1.13 image pull and
 * lifecycle upgrade. Each is an async generator of reply messages; throwing RpcError ends the
 * stream with that status.
 */
import { status } from '@grpc/grpc-js';
import { requireConfig, requireControlPlane } from './api.js';
import { TALOS_DURATIONS } from './env.js';
import { adminKubeconfig, tarGzSingleFile } from './kubeconfig.js';
import type { SimNode } from './node.js';
import { authorize, rpcError, type Caller } from './rpc.js';
import { compareTags, parseTag, schematicOfImage, versionOfImage } from './version.js';

type Message = Record<string, unknown>;
export interface StreamControl {
  cancelled: boolean;
}
export type StreamHandler = (
  node: SimNode,
  request: Record<string, unknown>,
  caller: Caller,
  control: StreamControl,
) => AsyncGenerator<Message>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const kubeconfig: StreamHandler = async function* (node, _request, caller) {
  authorize('Kubeconfig', caller);
  const config = requireControlPlane(node, 'kubeconfig');
  const text = await adminKubeconfig(config);
  yield { bytes: tarGzSingleFile('kubeconfig', text) };
};

interface HealthTarget {
  address: string;
  node: SimNode | undefined;
}

type Check = [description: string, run: () => string | undefined];

function healthChecks(node: SimNode, cps: HealthTarget[], workers: HealthTarget[]): Check[] {
  const all = [...cps, ...workers];
  const clusterId = node.config?.clusterId ?? '';
  const etcdHealthy = () => {
    const bad = cps.find((t) => !t.node?.etcdRunning());
    return bad ? `etcd is not healthy on ${bad.address}` : undefined;
  };
  const membersAreControlPlanes = () => {
    const members = node.env.registry.find(clusterId)?.members ?? [];
    const expected = new Set(cps.map((t) => t.node?.id));
    const memberIds = new Set(members.map((m) => m.serverId));
    const extra = members.find((m) => !expected.has(m.serverId));
    if (extra) return `etcd member ${extra.hostname} is not a control plane node`;
    const missing = cps.find((t) => !memberIds.has(t.node?.id ?? -1));
    return missing ? `control plane node ${missing.address} is not an etcd member` : undefined;
  };
  const allUp = () => {
    const down = all.find((t) => !t.node?.up);
    return down ? `apid is not ready on ${down.address}` : undefined;
  };
  const booted = () => {
    const busy = all.find((t) => t.node?.record.phase !== 'running');
    return busy ? `node ${busy.address} has not finished its boot sequence` : undefined;
  };
  const ok = () => undefined;
  return [
    ['etcd to be healthy', etcdHealthy],
    ['etcd members to be consistent across nodes', etcdHealthy],
    ['etcd members to be control plane nodes', membersAreControlPlanes],
    ['apid to be ready', allUp],
    ['all nodes memory sizes', ok],
    ['all nodes disk sizes', ok],
    ['no diagnostics', ok],
    [
      'kubelet to be healthy',
      () => (cps.find((t) => !t.node?.up) ? 'kubelet is not running on every control plane' : undefined),
    ],
    ['all nodes to finish boot sequence', booted],
  ];
}

export const healthCheck: StreamHandler = async function* (node, request, caller, control) {
  authorize('HealthCheck', caller);
  const config = requireConfig(node);
  const wait = request['waitTimeout'] as { seconds?: string; nanos?: number } | null;
  const deadline = Date.now() + (wait ? Number(wait.seconds ?? 0) * 1000 + (wait.nanos ?? 0) / 1e6 : 0);
  const info = (request['clusterInfo'] ?? {}) as { controlPlaneNodes?: string[]; workerNodes?: string[] };
  let cpAddrs = info.controlPlaneNodes ?? [];
  let workerAddrs = info.workerNodes ?? [];
  if (cpAddrs.length === 0 && workerAddrs.length === 0) {
    const peers = node.env.nodes().filter((n) => n.config?.clusterId === config.clusterId && n.record.ip);
    cpAddrs = peers.filter((n) => n.isControlPlane).map((n) => n.record.ip ?? '');
    workerAddrs = peers.filter((n) => !n.isControlPlane).map((n) => n.record.ip ?? '');
  }
  const resolve = (address: string): HealthTarget => ({ address, node: node.env.findNode(address) });
  const cps = cpAddrs.map(resolve);
  const workers = workerAddrs.map(resolve);
  yield { message: `discovered nodes: ${JSON.stringify([...cpAddrs, ...workerAddrs])}` };
  const poll = Math.max(20, node.scaled(TALOS_DURATIONS.healthPoll));
  for (const [description, run] of healthChecks(node, cps, workers)) {
    let last = '';
    for (;;) {
      if (control.cancelled) return;
      const problem = run();
      const line = `waiting for ${description}: ${problem ?? 'OK'}`;
      if (line !== last) {
        last = line;
        yield { message: line };
      }
      if (!problem) break;
      const left = deadline - Date.now();
      if (left <= 0)
        throw rpcError(status.DEADLINE_EXCEEDED, `${description}: ${problem}: context deadline exceeded`);
      await sleep(Math.min(poll, left));
    }
  }
};

function requireLifecycleApi(node: SimNode, service: string): void {
  if ((parseTag(node.record.version)?.minor ?? 13) < 13) {
    throw rpcError(status.UNIMPLEMENTED, `unknown service machine.${service}`);
  }
}

export const imagePull: StreamHandler = async function* (node, request, caller) {
  requireLifecycleApi(node, 'ImageService');
  authorize('ImageService/Pull', caller);
  requireConfig(node);
  const ref = String(request['imageRef'] ?? '');
  if (ref === '') throw rpcError(status.INVALID_ARGUMENT, 'image reference is required');
  yield {
    pullProgress: {
      layerId: 'sha256:0000000000000000000000000000000000000000000000000000000000000001',
      progress: { status: 'DOWNLOAD_COMPLETE', elapsed: { seconds: '1', nanos: 0 }, offset: '1', total: '1' },
    },
  };
  if (!node.record.pulledImages.includes(ref)) node.record.pulledImages.push(ref);
  node.save();
  yield { name: ref };
};

export const lifecycleUpgrade: StreamHandler = async function* (node, request, caller, control) {
  requireLifecycleApi(node, 'LifecycleService');
  authorize('LifecycleService/Upgrade', caller);
  requireConfig(node);
  const image = String((request['source'] as { imageName?: string } | null)?.imageName ?? '');
  if (image === '') throw rpcError(status.INVALID_ARGUMENT, 'image name is required');
  if (node.installing || node.record.phase !== 'running') {
    throw rpcError(status.FAILED_PRECONDITION, 'another install or upgrade is already in progress');
  }
  if (!node.record.pulledImages.includes(image)) {
    throw rpcError(status.FAILED_PRECONDITION, `installer image "${image}" not found in containerd store`);
  }
  const target = versionOfImage(image);
  const current = parseTag(node.record.version);
  node.installing = true;
  try {
    yield { progress: { message: `running installer ${image}` } };
    if (!target || !current) {
      yield { progress: { message: 'error: cannot tell the Talos version of the installer image' } };
      yield { progress: { exitCode: 1 } };
      return;
    }
    if (compareTags(current, { major: target.major, minor: target.minor - 2, patch: 0, tag: '' }) < 0) {
      yield {
        progress: { message: `error: upgrading from ${current.tag} to ${target.tag} is not supported` },
      };
      yield { progress: { exitCode: 1 } };
      return;
    }
    const step = node.scaled(TALOS_DURATIONS.upgrade) / 2;
    await sleep(step);
    if (control.cancelled) return;
    yield { progress: { message: `installing Talos ${target.tag} to the inactive boot slot` } };
    await sleep(step);
    if (control.cancelled) return;
    node.record.stagedVersion = target.tag;
    node.record.stagedSchematic = schematicOfImage(image);
    node.recordUpgrade('LifecycleService.Upgrade', image, target.tag);
    node.save();
    yield { progress: { message: `installation of ${target.tag} finished: reboot to activate it` } };
    yield { progress: { exitCode: 0 } };
  } finally {
    node.installing = false;
  }
};

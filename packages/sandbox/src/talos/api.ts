/**
 * The MachineService behaviour of a simulated node: one function per unary RPC, returning the one
 * message of the reply (the server adds metadata and the `messages` wrapper). Refusals mirror
 * Talos's gRPC statuses and wording where the facts give them.
 */
import { status } from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { ConfigError, parseMachineConfig, type MachineConfig } from './config.js';
import { TALOS_DURATIONS } from './env.js';
import type { SimNode } from './node.js';
import { authorize, rpcError, type Caller } from './rpc.js';
import { serviceRows } from './services-info.js';
import { compareTags, parseTag, schematicOfImage, versionOfImage } from './version.js';

type Message = Record<string, unknown>;
type Request = Record<string, unknown>;
export type UnaryHandler = (node: SimNode, request: Request, caller: Caller) => Promise<Message>;

const NOT_IN_MAINTENANCE = 'API is not implemented in maintenance mode';

function minor(node: SimNode): number {
  return parseTag(node.record.version)?.minor ?? 13;
}

/** Maintenance mode: before 1.13 a separate server with a few methods; from 1.13 apid with os:reader. */
export function gateMaintenance(node: SimNode, method: string, caller: Caller): void {
  if (!caller.maintenance || method === 'ApplyConfiguration') return;
  if (minor(node) < 13) {
    if (['Version', 'Upgrade', 'Reset'].includes(method))
      throw rpcError(status.UNIMPLEMENTED, NOT_IN_MAINTENANCE);
    throw rpcError(status.UNIMPLEMENTED, `unknown method ${method} for service machine.MachineService`);
  }
}

function requireConfig(node: SimNode): MachineConfig {
  if (!node.config)
    throw rpcError(status.FAILED_PRECONDITION, 'the node has no machine configuration (maintenance mode)');
  return node.config;
}

function requireControlPlane(node: SimNode, apiName: string): MachineConfig {
  const config = node.config;
  if (config?.type !== 'controlplane') {
    throw rpcError(status.UNIMPLEMENTED, `${apiName} is only available on control plane nodes`);
  }
  return config;
}

function requireEtcd(node: SimNode): void {
  if (!node.etcdRunning()) throw rpcError(status.FAILED_PRECONDITION, 'etcd is not running on this node');
}

function parseOrRefuse(node: SimNode, text: string): MachineConfig {
  try {
    return parseMachineConfig(text, node.record.version);
  } catch (error) {
    if (error instanceof ConfigError) throw rpcError(status.INVALID_ARGUMENT, error.message);
    throw error;
  }
}

function durationMs(value: unknown, fallback: number): number {
  const d = value as { seconds?: string | number; nanos?: number } | null | undefined;
  if (!d) return fallback;
  return Number(d.seconds ?? 0) * 1000 + Math.floor((d.nanos ?? 0) / 1e6);
}

const applyConfiguration: UnaryHandler = async (node, request, caller) => {
  const text = Buffer.from((request['data'] as Buffer | undefined) ?? Buffer.alloc(0)).toString('utf8');
  const mode = String(request['mode'] ?? 'REBOOT');
  const dryRun = request['dryRun'] === true;
  if (caller.maintenance) {
    const allowed = ['AUTO', 'REBOOT', 'TRY', ...(minor(node) >= 13 ? ['NO_REBOOT'] : [])];
    if (!allowed.includes(mode)) {
      throw rpcError(
        status.UNIMPLEMENTED,
        `apply configuration mode ${mode} is not supported in maintenance mode`,
      );
    }
    parseOrRefuse(node, text);
    const reported = minor(node) >= 13 && mode === 'REBOOT' ? 'NO_REBOOT' : mode;
    if (dryRun) {
      return {
        mode: reported,
        modeDetails: 'Dry run summary:\nThe node is in maintenance mode and has no configuration yet.',
        warnings: [],
      };
    }
    node.record.config = text;
    node.goDown('installing', { kind: 'install', at: Date.now() + node.scaled(TALOS_DURATIONS.install) });
    return {
      mode: reported,
      modeDetails: 'Applied configuration: the node installs Talos and reboots',
      warnings: [],
    };
  }
  authorize('ApplyConfiguration', caller);
  const current = requireConfig(node);
  const next = parseOrRefuse(node, text);
  if (next.type !== current.type) {
    throw rpcError(
      status.INVALID_ARGUMENT,
      `machine type can't be changed from ${current.type} to ${next.type}`,
    );
  }
  const needsReboot = next.clusterId !== current.clusterId;
  const resolved = mode === 'AUTO' ? (needsReboot ? 'REBOOT' : 'NO_REBOOT') : mode;
  if (resolved === 'NO_REBOOT' && needsReboot) {
    throw rpcError(
      status.INVALID_ARGUMENT,
      'the configuration change can not be applied without a reboot (cluster.id)',
    );
  }
  if (dryRun) {
    const details = text === current.text ? 'No changes.' : 'The configuration differs from the running one.';
    return {
      mode: resolved,
      modeDetails: `Dry run summary:\nApplied configuration with mode ${resolved}\n${details}`,
      warnings: [],
    };
  }
  const previous = current.text;
  node.clearTry();
  switch (resolved) {
    case 'REBOOT':
      node.record.config = text;
      node.reboot();
      return { mode: resolved, modeDetails: 'Applied configuration with a reboot', warnings: [] };
    case 'STAGED':
      node.record.stagedConfig = text;
      node.save();
      return {
        mode: resolved,
        modeDetails: 'Staged configuration to be applied after the next reboot',
        warnings: [],
      };
    case 'TRY': {
      const timeout = durationMs(request['tryModeTimeout'], 60_000) || 60_000;
      node.applyLive(text, next);
      node.startTry(previous, timeout);
      return {
        mode: resolved,
        modeDetails: `Applied configuration without a reboot\nThe config is applied in 'try' mode and will be automatically reverted back in ${timeout / 1000}s`,
        warnings: [],
      };
    }
    case 'NO_REBOOT':
      node.applyLive(text, next);
      return { mode: resolved, modeDetails: 'Applied configuration without a reboot', warnings: [] };
    default:
      throw rpcError(
        status.INVALID_ARGUMENT,
        `incorrect mode '${resolved}' specified for the apply config call`,
      );
  }
};

const bootstrap: UnaryHandler = async (node, _request, caller) => {
  authorize('Bootstrap', caller);
  const config = requireConfig(node);
  const { registry } = node.env;
  const cluster = registry.get(config.clusterId, config.clusterName);
  cluster.bootstrapCalls++;
  registry.save();
  if (config.type !== 'controlplane') {
    throw rpcError(status.FAILED_PRECONDITION, 'bootstrap can only be performed on a control plane node');
  }
  if (node.record.phase !== 'running')
    throw rpcError(status.FAILED_PRECONDITION, 'bootstrap is not available yet');
  if (cluster.members.length > 0 || node.etcdRunning()) {
    throw rpcError(status.ALREADY_EXISTS, 'etcd data directory is not empty');
  }
  registry.addMember(
    cluster,
    node.id,
    node.hostname,
    node.record.privateIps[0] ?? node.record.ip ?? '127.0.0.1',
  );
  cluster.bootstraps++;
  registry.save();
  node.env.clusterChanged(config.clusterId);
  return {};
};

const version: UnaryHandler = async (node, _request, caller) => {
  authorize('Version', caller);
  const tag = node.record.version;
  const sha = Buffer.from(tag).toString('hex').padEnd(8, '0').slice(0, 8);
  return {
    version: { tag, sha, built: '', goVersion: 'go1.24.11', os: 'linux', arch: node.record.arch },
    platform: { name: 'hcloud', mode: 'cloud' },
    features: { rbac: true },
  };
};

const etcdMemberList: UnaryHandler = async (node, _request, caller) => {
  authorize('EtcdMemberList', caller);
  const config = requireControlPlane(node, 'member list');
  requireEtcd(node);
  const members = node.env.registry.find(config.clusterId)?.members ?? [];
  return {
    legacyMembers: [],
    members: members.map((m) => ({
      id: m.id,
      hostname: m.hostname,
      peerUrls: m.peerUrls,
      clientUrls: m.clientUrls,
      isLearner: m.isLearner,
    })),
  };
};

/** The leader is the longest-standing member whose etcd runs (members join in order). */
const etcdStatus: UnaryHandler = async (node, _request, caller) => {
  authorize('EtcdStatus', caller);
  const config = requireControlPlane(node, 'etcd status');
  requireEtcd(node);
  const members = node.env.registry.find(config.clusterId)?.members ?? [];
  const self = members.find((m) => m.serverId === node.id);
  const leader = members.find((m) => node.env.nodes().some((n) => n.id === m.serverId && n.etcdRunning()));
  return {
    memberStatus: {
      protocolVersion: '3.6.0',
      dbSize: '0',
      dbSizeInUse: '0',
      leader: leader?.id ?? '0',
      raftIndex: '0',
      raftTerm: '0',
      raftAppliedIndex: '0',
      errors: [],
      isLearner: self?.isLearner ?? false,
      memberId: self?.id ?? '0',
      storageVersion: '3.6.0',
    },
  };
};

/** etcd refuses a reconfiguration that leaves no member (strict reconfig check). */
const NOT_ENOUGH_MEMBERS = 'etcdserver: re-configuration failed due to not enough started members';

function stopEtcdOf(node: SimNode, serverId: number): void {
  const target = node.env.nodes().find((n) => n.id === serverId);
  if (!target) return;
  target.record.etcdStopped = true;
  target.save();
}

const etcdRemoveMemberById: UnaryHandler = async (node, request, caller) => {
  authorize('EtcdRemoveMemberByID', caller);
  const config = requireControlPlane(node, 'etcd remove member');
  requireEtcd(node);
  const { registry } = node.env;
  const cluster = registry.get(config.clusterId, config.clusterName);
  const id = String(request['memberId'] ?? '0');
  const member = cluster.members.find((m) => m.id === id);
  if (!member) throw rpcError(status.NOT_FOUND, 'etcdserver: member not found');
  if (cluster.members.length === 1) throw rpcError(status.FAILED_PRECONDITION, NOT_ENOUGH_MEMBERS);
  registry.removeMember(cluster, id);
  registry.save();
  stopEtcdOf(node, member.serverId);
  return {};
};

const etcdLeaveCluster: UnaryHandler = async (node, _request, caller) => {
  authorize('EtcdLeaveCluster', caller);
  const config = requireControlPlane(node, 'etcd leave');
  requireEtcd(node);
  const { registry } = node.env;
  const cluster = registry.get(config.clusterId, config.clusterName);
  const member = cluster.members.find((m) => m.serverId === node.id);
  if (!member) throw rpcError(status.FAILED_PRECONDITION, 'etcd is not running on this node');
  if (cluster.members.length === 1) throw rpcError(status.FAILED_PRECONDITION, NOT_ENOUGH_MEMBERS);
  registry.removeMember(cluster, member.id);
  registry.save();
  stopEtcdOf(node, node.id);
  return {};
};

const upgrade: UnaryHandler = async (node, request, caller) => {
  authorize('Upgrade', caller);
  const config = requireConfig(node);
  const image = String(request['image'] ?? '');
  if (image === '') throw rpcError(status.INVALID_ARGUMENT, 'image reference is required');
  const target = versionOfImage(image);
  if (!target) {
    throw rpcError(
      status.FAILED_PRECONDITION,
      `error validating installer image "${image}": the tag is not a Talos version`,
    );
  }
  const current = parseTag(node.record.version);
  if (
    current &&
    compareTags(current, { major: target.major, minor: target.minor - 2, patch: 0, tag: '' }) < 0
  ) {
    throw rpcError(
      status.FAILED_PRECONDITION,
      `upgrade from ${current.tag} to ${target.tag} is not supported: upgrade through every minor version in between`,
    );
  }
  if (node.record.phase !== 'running' || node.installing) {
    throw rpcError(
      status.FAILED_PRECONDITION,
      'an upgrade or another lifecycle operation is already in progress',
    );
  }
  if (config.type === 'controlplane' && request['force'] !== true) checkEtcdForUpgrade(node, config);
  node.recordUpgrade('MachineService.Upgrade', image, target.tag);
  node.beginUpgrade(target.tag, schematicOfImage(image));
  return { ack: 'Upgrade request received', actorId: randomUUID() };
};

/** On control planes: quorum must survive the reboot, all members healthy, one node at a time. */
function checkEtcdForUpgrade(node: SimNode, config: MachineConfig): void {
  const { registry } = node.env;
  const cluster = registry.get(config.clusterId, config.clusterName);
  const count = cluster.members.length;
  if (count === 2) {
    throw rpcError(
      status.FAILED_PRECONDITION,
      'etcd member count(2) is insufficient to maintain quorum if upgrade commences',
    );
  }
  for (const member of cluster.members) {
    const peer = node.env.nodes().find((n) => n.id === member.serverId);
    if (!peer?.etcdRunning()) {
      throw rpcError(
        status.FAILED_PRECONDITION,
        `etcd member ${member.hostname} is not healthy; all members must be healthy to perform an upgrade`,
      );
    }
  }
  if (cluster.upgrading !== null && cluster.upgrading !== node.id) {
    throw rpcError(
      status.FAILED_PRECONDITION,
      'failed to acquire upgrade lock: another control plane node is upgrading',
    );
  }
  cluster.upgrading = node.id;
  registry.save();
}

const reboot: UnaryHandler = async (node, _request, caller) => {
  authorize('Reboot', caller);
  requireConfig(node);
  node.reboot();
  return { actorId: randomUUID() };
};

const reset: UnaryHandler = async (node, request, caller) => {
  authorize('Reset', caller);
  const config = requireConfig(node);
  const mode = String(request['mode'] ?? 'ALL');
  const partitions =
    (request['systemPartitionsToWipe'] as { label?: string; wipe?: boolean }[] | undefined) ?? [];
  const wipesState =
    mode !== 'USER_DISKS' &&
    (partitions.length === 0 || partitions.some((p) => p.label === 'STATE' && p.wipe));
  if (request['graceful'] === true && config.type === 'controlplane' && node.etcdRunning()) {
    const { registry } = node.env;
    const cluster = registry.get(config.clusterId, config.clusterName);
    const member = cluster.members.find((m) => m.serverId === node.id);
    if (member) {
      if (cluster.members.length === 1) {
        throw rpcError(status.FAILED_PRECONDITION, `failed to leave etcd: ${NOT_ENOUGH_MEMBERS}`);
      }
      registry.removeMember(cluster, member.id);
      registry.save();
    }
  }
  if (wipesState) node.beginReset(request['reboot'] === true);
  else node.reboot();
  return { actorId: randomUUID() };
};

const serviceList: UnaryHandler = async (node, _request, caller) => {
  authorize('ServiceList', caller);
  const now = { seconds: String(Math.floor(Date.now() / 1000)), nanos: 0 };
  return {
    services: serviceRows(node).map((s) => ({
      id: s.id,
      state: s.state,
      events: { events: [{ msg: s.message || s.state, state: s.state, ts: now }] },
      health: { unknown: s.unknown, healthy: s.healthy, lastMessage: s.message, lastChange: now },
    })),
  };
};

export const UNARY_HANDLERS: Record<string, UnaryHandler> = {
  ApplyConfiguration: applyConfiguration,
  Bootstrap: bootstrap,
  Version: version,
  EtcdMemberList: etcdMemberList,
  EtcdStatus: etcdStatus,
  EtcdRemoveMemberByID: etcdRemoveMemberById,
  EtcdLeaveCluster: etcdLeaveCluster,
  Upgrade: upgrade,
  Reboot: reboot,
  Reset: reset,
  ServiceList: serviceList,
};

export { requireControlPlane, requireConfig };

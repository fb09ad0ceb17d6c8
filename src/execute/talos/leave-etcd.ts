/**
 * `leave-etcd`: a control plane that is removed or replaced gives up its etcd membership first, so
 * the remaining members keep their quorum (etcd-membership.ts says how). Also the etcd half of a
 * replaced control plane's `node-joined` wait.
 */
import type { LeaveEtcdAction } from '../../plan/types.js';
import type { KindRunner } from '../runners.js';
import { planAgain } from '../runners.js';
import type { ActionOutcome, RunContext } from '../runner.js';
import type { TalosAccess } from './access.js';
import type { TalosConnections } from './connections.js';
import {
  removeEtcdMember,
  waitForMember,
  type EtcdClient,
  type EtcdPeer,
  type MemberChangeContext,
} from './etcd-membership.js';

/** `<cluster>-<pool>-<i>` → `server.<pool>.<i>`: the index is the last dash-separated part. */
export function serverOfHostname(cluster: string, hostname: string): string | undefined {
  const match = new RegExp(`^${cluster.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(.+)-(\\d+)$`).exec(hostname);
  return match ? `server.${match[1]}.${match[2]}` : undefined;
}

function ipv4Of(ctx: RunContext, server: string): string | undefined {
  const ip = ctx.recordOf(server)?.attrs.ipv4;
  return typeof ip === 'string' ? ip : undefined;
}

/** The spec's control planes other than `leaving` whose address is known. */
function stayingPeers(talos: TalosAccess, ctx: RunContext, leaving: string): EtcdPeer[] {
  return talos.nodes
    .filter((n) => n.role === 'controlplane' && n.server !== leaving)
    .flatMap((n) => {
      const ip = ipv4Of(ctx, n.server);
      return ip ? [{ hostname: n.hostname, ip }] : [];
    });
}

function memberContext(talos: TalosAccess, c: TalosConnections, ctx: RunContext): MemberChangeContext {
  const call = { timeoutMs: talos.options.timing.callTimeoutMs };
  return {
    progress: (message) => ctx.progress(message),
    client: async (ip): Promise<EtcdClient> => {
      const client = await c.adminClient(ip);
      return {
        etcdMemberList: (request) => client.etcdMemberList(request, call),
        etcdRemoveMemberById: (id) => client.etcdRemoveMemberById(id, call),
        etcdLeaveCluster: () => client.etcdLeaveCluster(call),
        serviceList: () => client.serviceList(call),
      };
    },
  };
}

async function leaveEtcd(
  talos: TalosAccess,
  action: LeaveEtcdAction,
  ctx: RunContext,
): Promise<ActionOutcome> {
  const record = ctx.recordOf(action.node);
  // Only the machine that joined may leave by itself; a new server at the address is not a member.
  const same = !action.serverId || record?.id === action.serverId;
  const ip = same ? ipv4Of(ctx, action.node) : undefined;
  const cluster = talos.spec.cluster.name;
  const outcome = await talos.withConnections(ctx, (c) =>
    removeEtcdMember(memberContext(talos, c, ctx), {
      member: action.member,
      ...(ip ? { ip } : {}),
      peers: stayingPeers(talos, ctx, action.node),
      ipOf: (hostname) => {
        const server = serverOfHostname(cluster, hostname);
        return server ? ipv4Of(ctx, server) : undefined;
      },
    }),
  );
  ctx.progress(
    outcome.removed
      ? `${action.member} ${outcome.how === 'left' ? 'left etcd' : `was removed from etcd by ${outcome.peer}`}`
      : outcome.why,
  );
  return { outputs: outcome };
}

export function leaveEtcdRunner(talos: TalosAccess): KindRunner<LeaveEtcdAction> {
  return {
    describe: (action) => ({ node: action.node, member: action.member }),
    run: (action, ctx) => leaveEtcd(talos, action, ctx),
    // Safe to repeat: a member that already left is found missing and nothing is called.
    reconcile: async (pending) => planAgain(pending),
  };
}

/** The etcd half of `node-joined`: waits until a replaced control plane is a voting member again. */
export interface EtcdJoin {
  /** Resolves at once for a worker. */
  waitJoined(server: string, ctx: RunContext): Promise<void>;
}

export function etcdJoin(talos: TalosAccess): EtcdJoin {
  return {
    async waitJoined(server, ctx) {
      const node = talos.nodes.find((n) => n.server === server);
      if (node?.role !== 'controlplane') return;
      const own = ipv4Of(ctx, server);
      const ips = [...(own ? [own] : []), ...stayingPeers(talos, ctx, server).map((p) => p.ip)];
      const { pollMs, healthTimeoutMs } = talos.options.timing;
      ctx.progress(`waiting for ${node.hostname} to join etcd`);
      await talos.withConnections(ctx, (c) =>
        waitForMember(memberContext(talos, c, ctx), {
          hostname: node.hostname,
          ips,
          pollMs,
          timeoutMs: healthTimeoutMs,
          signal: ctx.signal,
        }),
      );
    },
  };
}

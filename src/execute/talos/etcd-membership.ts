/**
 * etcd membership changes of a control plane that leaves (removed or replaced): found through a
 * control plane that stays, checked against quorum, then left gracefully by the node itself —
 * or, when that node is gone or does not answer, removed by its member id from the peer.
 * And the wait until a new control plane is a voting member.
 */
import { Hk8sError } from '../../errors.js';
import type { EtcdMember, TalosClient } from '../../providers/talos/client/index.js';
import { InterruptedError } from '../runner.js';

export type EtcdClient = Pick<
  TalosClient,
  'etcdMemberList' | 'etcdRemoveMemberById' | 'etcdLeaveCluster' | 'serviceList'
>;

/** A control plane that stays in the cluster. */
export interface EtcdPeer {
  hostname: string;
  ip: string;
}

export interface MemberChangeContext {
  /** A client for the Talos API at this IPv4 (mTLS, os:admin). */
  client(ip: string): Promise<EtcdClient>;
  progress(message: string): void;
}

export interface MemberRemovalRequest {
  /** The member that leaves: its node's hostname. */
  member: string;
  /** The IPv4 of the very machine that joined as the member, when it may still run. */
  ip?: string;
  /** The control planes that stay: asked for the member list, and the one that removes a gone member. */
  peers: readonly EtcdPeer[];
  /** The IPv4 of any member's node (those that leave later too), to check it is healthy. */
  ipOf(hostname: string): string | undefined;
}

export type MemberRemoval =
  | { removed: false; why: string }
  | { removed: true; how: 'left' | 'removed-by-peer'; peer: string; members: string[] };

/** etcd's quorum for n members. */
export function quorumOf(members: number): number {
  return Math.floor(members / 2) + 1;
}

/** Whether the members left after one is removed, `healthy` of them up, still form a quorum. */
export function quorumSurvivesRemoval(members: number, healthyRemaining: number): boolean {
  return members > 1 && healthyRemaining >= quorumOf(members - 1);
}

function isUnreachable(error: unknown): boolean {
  return error instanceof Hk8sError && error.code === 'provider.unreachable';
}

/** The member list from the first peer that answers it. */
async function listFromPeer(
  ctx: MemberChangeContext,
  peers: readonly EtcdPeer[],
): Promise<{ peer: EtcdPeer; client: EtcdClient; members: EtcdMember[] }> {
  const failures: string[] = [];
  for (const peer of peers) {
    try {
      const client = await ctx.client(peer.ip);
      return { peer, client, members: await client.etcdMemberList() };
    } catch (error) {
      failures.push(`${peer.hostname}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new Hk8sError(
    'provider.unreachable',
    peers.length === 0
      ? 'no control plane that stays in the cluster is known, so etcd membership cannot be changed safely'
      : `no control plane that stays answered the etcd member list (${failures.join('; ')})`,
    {
      where: peers.map((p) => p.hostname).join(', ') || 'etcd',
      hint: 'Bring a remaining control plane back (Talos API on port 50000), then run `hk8s resume`.',
    },
  );
}

/** Whether the member's node reports etcd running and healthy. */
async function etcdHealthy(ctx: MemberChangeContext, ip: string | undefined): Promise<boolean> {
  if (!ip) return false;
  try {
    const services = await (await ctx.client(ip)).serviceList();
    const etcd = services.find((s) => s.id === 'etcd');
    return etcd?.state === 'Running' && (etcd.healthy || etcd.healthUnknown);
  } catch {
    return false;
  }
}

async function checkQuorum(
  ctx: MemberChangeContext,
  request: MemberRemovalRequest,
  members: EtcdMember[],
): Promise<void> {
  const remaining = members.filter((m) => m.hostname !== request.member);
  const health = await Promise.all(remaining.map((m) => etcdHealthy(ctx, request.ipOf(m.hostname))));
  const healthy = remaining.filter((_, i) => health[i]);
  if (quorumSurvivesRemoval(members.length, healthy.length)) return;
  const down = remaining.filter((_, i) => !health[i]).map((m) => m.hostname);
  const needed = quorumOf(remaining.length);
  throw new Hk8sError(
    'provider.unavailable',
    remaining.length === 0
      ? `${request.member} is the last etcd member: it cannot leave`
      : `removing etcd member ${request.member} would leave ${remaining.length} members of which ${healthy.length} are healthy, below the quorum of ${needed}` +
          (down.length > 0 ? ` (not healthy: ${down.join(', ')})` : ''),
    {
      where: request.member,
      hint: 'Bring the unhealthy control planes back (or wait until etcd is healthy on them), then run `hk8s resume`.',
    },
  );
}

/** Removes a member, keeping quorum; a member already gone is reported, not an error. */
export async function removeEtcdMember(
  ctx: MemberChangeContext,
  request: MemberRemovalRequest,
): Promise<MemberRemoval> {
  const { peer, client, members } = await listFromPeer(ctx, request.peers);
  const target = members.find((m) => m.hostname === request.member);
  if (!target) return { removed: false, why: `${request.member} is not an etcd member (any more)` };
  await checkQuorum(ctx, request, members);
  const after = members.filter((m) => m !== target).map((m) => m.hostname);
  if (request.ip) {
    try {
      await (await ctx.client(request.ip)).etcdLeaveCluster();
      return { removed: true, how: 'left', peer: peer.hostname, members: after };
    } catch (error) {
      // Gone or not answering: the peer removes it. Any other refusal is the node's word and stands.
      if (!isUnreachable(error)) throw error;
      ctx.progress(`${request.member} does not answer; removing its member from ${peer.hostname}`);
    }
  }
  await client.etcdRemoveMemberById(target.id);
  return { removed: true, how: 'removed-by-peer', peer: peer.hostname, members: after };
}

export interface JoinWait {
  hostname: string;
  /** Where to ask: the new node itself first, then the peers. */
  ips: readonly string[];
  pollMs: number;
  timeoutMs: number;
  signal: AbortSignal;
}

/** Waits until the hostname is a voting etcd member, as any of the given nodes reports it. */
export async function waitForMember(ctx: MemberChangeContext, wait: JoinWait): Promise<void> {
  const deadline = Date.now() + wait.timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    for (const ip of wait.ips) {
      try {
        const members = await (await ctx.client(ip)).etcdMemberList();
        const member = members.find((m) => m.hostname === wait.hostname);
        if (member && !member.isLearner) return;
        last = member ? `${wait.hostname} is still a learner` : `${wait.hostname} is not a member yet`;
        break;
      } catch (error) {
        last = error instanceof Error ? error.message : String(error);
      }
    }
    if (wait.signal.aborted) throw new InterruptedError();
    if (Date.now() > deadline) {
      throw new Hk8sError('provider.unavailable', `${wait.hostname} did not join etcd in time (${last})`, {
        where: wait.hostname,
        hint: 'Check the node with `hk8s status`; `hk8s resume` waits again.',
      });
    }
    await new Promise((resolve) => setTimeout(resolve, wait.pollMs));
  }
}

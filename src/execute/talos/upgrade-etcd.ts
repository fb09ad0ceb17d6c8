/**
 * etcd as the upgrade sees it (reference/talos.md §6.1, talos-1.13.md §4.4): every control plane a
 * started, healthy voting member, one leader they agree on — checked before each control plane is
 * upgraded (LifecycleService does not check it itself) and by the health gates.
 */
import { Hk8sError } from '../../errors.js';
import type { TalosClient, TalosCallOptions } from '../../providers/talos/client/index.js';

export interface ControlPlaneTarget {
  server: string;
  hostname: string;
  ip: string;
}

export type ClientOf = (ip: string) => Promise<TalosClient>;

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** What is wrong with etcd across `controlPlanes`, or undefined when it is healthy. */
export async function etcdProblem(
  controlPlanes: readonly ControlPlaneTarget[],
  clientOf: ClientOf,
  call: TalosCallOptions,
): Promise<string | undefined> {
  const first = controlPlanes[0];
  if (!first) return undefined;
  // Every member asked at once: a gate between steps should cost one round trip, not one per node.
  const statuses = await Promise.all(
    controlPlanes.map(async (cp) => {
      try {
        return { cp, status: await (await clientOf(cp.ip)).etcdStatus(call), error: undefined };
      } catch (error) {
        return { cp, status: undefined, error };
      }
    }),
  );
  const leaders = new Set<string>();
  for (const { cp, status, error } of statuses) {
    if (!status) return `etcd on ${cp.hostname} is not running or not healthy (${message(error)})`;
    if (status.errors.length > 0) return `etcd on ${cp.hostname} reports: ${status.errors.join('; ')}`;
    if (status.leader === '0') return `etcd on ${cp.hostname} has no leader`;
    leaders.add(status.leader);
  }
  const members = await (await clientOf(first.ip)).etcdMemberList({}, call);
  const learner = members.find((m) => m.isLearner);
  if (learner) return `etcd member ${learner.hostname} is still a learner`;
  const names = new Set(members.map((m) => m.hostname));
  const missing = controlPlanes.find((cp) => !names.has(cp.hostname));
  if (missing) return `control plane ${missing.hostname} is not an etcd member`;
  const extra = members.find((m) => !controlPlanes.some((cp) => cp.hostname === m.hostname));
  if (extra) return `etcd member ${extra.hostname} is not a control plane of the spec`;
  if (leaders.size > 1) return 'the etcd members disagree on their leader';
  return undefined;
}

/**
 * Talos refuses to upgrade a control plane of a two-member etcd (quorum would not survive the
 * reboot); say so before anything is drained.
 */
export async function refuseTwoMembers(
  target: ControlPlaneTarget,
  clientOf: ClientOf,
  call: TalosCallOptions,
): Promise<void> {
  const members = await (await clientOf(target.ip)).etcdMemberList({}, call);
  if (members.length !== 2) return;
  throw new Hk8sError(
    'provider.api',
    `etcd has 2 members: upgrading ${target.hostname} would take etcd below quorum`,
    {
      where: target.server,
      hint: 'Add a third control plane (controlPlane.pools[].count) and apply, then upgrade.',
    },
  );
}

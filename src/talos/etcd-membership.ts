/**
 * What `talosctl health` calls "etcd members to be control plane nodes": the members are exactly the
 * control planes, none a learner. More members than control planes is as unhealthy as fewer — a
 * member left behind by a removed node counts towards the quorum and can never vote.
 */
import type { EtcdMember } from '../providers/talos/client/index.js';

/** Why the membership is not the control-plane set, or undefined when it is. */
export function etcdMembershipProblem(
  members: readonly Pick<EtcdMember, 'hostname' | 'isLearner'>[],
  controlPlanes: readonly string[],
): string | undefined {
  const present = new Set(members.map((m) => m.hostname));
  const expected = new Set(controlPlanes);
  const missing = [...expected].filter((h) => !present.has(h)).sort();
  const extra = [...present].filter((h) => !expected.has(h)).sort();
  const learners = members
    .filter((m) => m.isLearner)
    .map((m) => m.hostname)
    .sort();
  const problems = [
    ...(missing.length > 0 ? [`not yet members: ${missing.join(', ')}`] : []),
    ...(extra.length > 0 ? [`members that are not control planes of the spec: ${extra.join(', ')}`] : []),
    ...(learners.length > 0 ? [`still learners: ${learners.join(', ')}`] : []),
    ...(members.length !== present.size ? ['two members share a hostname'] : []),
  ];
  return problems.length > 0 ? `etcd membership: ${problems.join('; ')}` : undefined;
}

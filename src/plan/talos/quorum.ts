/**
 * The plan-time refusals that protect etcd's quorum. etcd needs a majority of its members: an even
 * count survives no more failures than one member fewer and can split its votes, so hk8s refuses to
 * end at one unless told to (`--force`); it never goes below one member, and never replaces the only
 * one (the new machine could not join an etcd without members). Pure.
 */
import { Hk8sError } from '../../errors.js';
import type { Spec } from '../../spec/schema.js';

export type Role = 'controlplane' | 'worker';

export interface QuorumInput {
  spec: Spec;
  /** Every server with a recorded config, and the role it joined with. */
  recorded: Record<string, Role>;
  /** Control planes that get a new machine in this plan. */
  replaced: readonly string[];
  bootstrapped: boolean;
  force: boolean;
}

const poolOf = (server: string) => /^server\.(.+)\.\d+$/.exec(server)?.[1];

/** The field to point at: the first pool that shrank, else the first that grew, else the list. */
function changedField(spec: Spec, current: readonly string[]): string {
  const recorded = (pool: string) => current.filter((s) => poolOf(s) === pool).length;
  const pools = spec.controlPlane.pools;
  const shrank = pools.findIndex((p) => p.count < recorded(p.name));
  const grew = pools.findIndex((p) => p.count > recorded(p.name));
  const index = shrank >= 0 ? shrank : grew;
  return index >= 0 ? `controlPlane.pools[${index}].count` : 'controlPlane.pools';
}

function refused(where: string, message: string, hint: string): Hk8sError {
  return new Hk8sError('plan.refused', message, { where, hint });
}

export function checkControlPlaneQuorum(input: QuorumInput): void {
  const { spec } = input;
  const current = Object.entries(input.recorded)
    .filter(([, role]) => role === 'controlplane')
    .map(([server]) => server);
  const desired = spec.controlPlane.pools.reduce((sum, pool) => sum + pool.count, 0);
  if (desired < 1) {
    throw refused(
      changedField(spec, current),
      'a cluster needs at least one control plane: etcd cannot run without members',
      'Keep at least one control plane (three survive the loss of one); `hk8s destroy` removes the whole cluster.',
    );
  }
  if (desired !== current.length && desired % 2 === 0 && !input.force) {
    throw refused(
      changedField(spec, current),
      `${current.length} → ${desired} control planes would leave etcd with an even number of members: ` +
        `${desired} members need ${desired / 2 + 1} for a quorum, so they survive no more failures than ${desired - 1} would`,
      `Use an odd total (${desired - 1} or ${desired + 1}), or pass --force to accept an even one.`,
    );
  }
  const only = current.length === 1 ? current[0] : undefined;
  if (input.bootstrapped && only !== undefined && input.replaced.includes(only)) {
    throw refused(
      only,
      'replacing the only control plane would lose etcd and every Kubernetes object: it cannot leave etcd, and a new machine cannot join an etcd without members',
      'Scale the control planes to 3 first and replace them one at a time, or `hk8s destroy` and create the cluster again.',
    );
  }
}

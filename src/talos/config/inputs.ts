/**
 * A digest of what a node's machine config is built from, so that a plan can tell an unchanged
 * config without rendering it and serialising it to YAML (the costly part of planning a large
 * cluster). It covers every input `buildMachineConfig` reads: the spec without the other pools
 * (their effect on this node, the network layout and whether control planes take workloads, is
 * hashed as derived values instead), the node's own pool except its count, the node, the cluster
 * values, the staged Kubernetes versions, the secrets, and the renderer itself
 * (`CONFIG_RENDER_REVISION`). Equal digests mean equal configs; a different digest only
 * means "render and compare": the rendered config's hash stays what decides.
 */
import { canonicalJson, hashOf, sha256 } from '../../plan/hash.js';
import { resolveNetworkLayout } from '../../spec/network.js';
import type { Spec } from '../../spec/schema.js';
import type { TalosSecrets } from '../secrets-types.js';
import { controlPlanesSchedulable } from './context.js';
import type { BuildMachineConfigInput } from './types.js';
import { tokenFingerprint } from './vip.js';

/**
 * Bump whenever a change to the config builder changes its output for the same inputs between two
 * releases (test/unit/talos/config/inputs.test.ts pins the output of one input to this revision).
 */
export const CONFIG_RENDER_REVISION = 1;

const specDigests = new WeakMap<Spec, Map<string, string>>();
const secretsDigests = new WeakMap<TalosSecrets, string>();

/** The spec as one node's config sees it: shared sections whole, its own pool without its count. */
function specDigest(spec: Spec, role: string, pool: string): string {
  let byPool = specDigests.get(spec);
  if (!byPool) {
    byPool = new Map();
    specDigests.set(spec, byPool);
  }
  const key = `${role}/${pool}`;
  const known = byPool.get(key);
  if (known !== undefined) return known;
  const own = (pools: ReadonlyArray<{ name: string; count?: number }>) => {
    const found = pools.find((p) => p.name === pool);
    if (!found) return null;
    const { count: _count, ...rest } = found;
    return rest;
  };
  const digest = hashOf({
    spec: {
      ...spec,
      controlPlane: { ...spec.controlPlane, pools: undefined },
      workers: { ...spec.workers, pools: undefined },
      autoscaler: { ...spec.autoscaler, pools: undefined },
    },
    role,
    pools: {
      controlPlane: own(spec.controlPlane.pools),
      workers: own(spec.workers.pools),
      autoscaler: own(spec.autoscaler.pools),
    },
    derived: { layout: resolveNetworkLayout(spec), schedulable: controlPlanesSchedulable(spec) },
  });
  byPool.set(key, digest);
  return digest;
}

function secretsDigest(secrets: TalosSecrets): string {
  let digest = secretsDigests.get(secrets);
  if (digest === undefined) {
    digest = hashOf(secrets);
    secretsDigests.set(secrets, digest);
  }
  return digest;
}

/** The digest of a config's inputs; the Hetzner token enters as its fingerprint only. */
export function configInputsHash(input: BuildMachineConfigInput): string {
  const { hcloudToken, ...cluster } = input.cluster;
  return sha256(
    canonicalJson({
      // The revision, not hk8s's version: the planner reads no files (inputs.test.ts pins it).
      renderer: CONFIG_RENDER_REVISION,
      spec: specDigest(input.spec, input.node.role, input.node.pool),
      secrets: secretsDigest(input.secrets),
      node: input.node,
      cluster: { ...cluster, token: hcloudToken === undefined ? null : tokenFingerprint(hcloudToken) },
      kubernetes: input.kubernetes ?? null,
    }),
  );
}

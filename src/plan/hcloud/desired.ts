/**
 * The Hetzner infrastructure a spec asks for, as desired resources with stable addresses: each
 * resource type module contributes its own, in address order. Follows the reference module's
 * layout (names, subnets, placement-group shards of ten, load balancer addresses) with hk8s's
 * ownership labels on everything.
 */
import { hcloudModules, type HcloudRegistry } from '../../resources/registry.js';
import type { DesiredContext } from '../../resources/hcloud/infra-spec.js';
import type { DesiredResource } from '../types.js';

export type { DesiredContext };

export function desiredInfrastructure(ctx: DesiredContext, registry?: HcloudRegistry): DesiredResource[] {
  return hcloudModules(registry)
    .flatMap((module) => module.desired(ctx))
    .sort((a, b) => a.address.localeCompare(b.address));
}

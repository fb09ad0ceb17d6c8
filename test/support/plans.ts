/** A small real plan (a network and a server to create), for plan-file tests and fuzzing. */
import { makePlan, type Plan } from '../../src/plan/plan.js';
import type { DesiredResource } from '../../src/plan/types.js';

const resource = (
  address: string,
  type: DesiredResource['type'],
  props: object,
  dependsOn: string[] = [],
): DesiredResource => ({
  address,
  type,
  props: props as DesiredResource['props'],
  dependsOn,
});

export function samplePlan(specHash = 'spec1'): Plan {
  return makePlan({
    cluster: 'demo',
    command: 'apply',
    specHash,
    stateHead: { seq: 3, hash: 'a'.repeat(64) },
    desired: [
      resource('network.main', 'network', {
        name: 'demo',
        ipRange: '10.0.0.0/16',
        labels: { cluster: 'demo' },
      }),
      resource(
        'server.w.1',
        'server',
        { name: 'demo-w-1', serverType: 'cpx22', network: { $ref: 'network.main' } },
        ['network.main'],
      ),
    ],
    observed: [],
  });
}

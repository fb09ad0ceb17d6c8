/**
 * Resume of an upgrade whose end was not recorded: when it is planned again, the node the dead run
 * may have drained is uncordoned first — if the install it sent finishes before the new plan looks,
 * that plan has no step for the node, and it stayed cordoned for the rest of the rollout.
 */
import { describe, expect, it } from 'vitest';
import type { TalosAccess } from '../../../../src/execute/talos/access.js';
import { upgradeRunner } from '../../../../src/execute/talos/upgrade.js';
import type { NodeKube } from '../../../../src/execute/talos/upgrade-kube.js';
import type { PendingAction } from '../../../../src/execute/runner.js';
import { quietRunContext } from '../../../support/in-process-sandbox.js';

function fakes(version: () => Promise<{ tag: string }>) {
  const calls: string[] = [];
  const talos = {
    node: () => ({ hostname: 'cp-2', server: 'server.cp.2' }),
    nodeIp: () => '127.0.0.2',
    withConnections: (_ctx: unknown, work: (c: unknown) => Promise<unknown>) =>
      work({ client: async () => ({ version }), timings: { callTimeoutMs: 100 } }),
  } as unknown as TalosAccess;
  const kube = {
    uncordon: async (server: string) => {
      calls.push(`uncordon ${server}`);
    },
  } as unknown as NodeKube;
  return { runner: upgradeRunner({ talos, kube }), calls };
}

const pending: PendingAction = {
  id: 'upgrade:talos.node.cp.2@v1.13.10',
  kind: 'upgrade',
  address: 'talos.node.cp.2',
  request: { kind: 'upgrade', node: 'server.cp.2', role: 'controlplane', from: 'v1.12.11', to: 'v1.13.10' },
};

describe('reconciling an interrupted upgrade', () => {
  it.each([
    ['the node still answers the old version', async () => ({ tag: 'v1.12.11' })],
    [
      'the node does not answer (rebooting)',
      async (): Promise<{ tag: string }> => Promise.reject(new Error('UNAVAILABLE')),
    ],
  ])('%s: planned again, and uncordoned first', async (_name, version) => {
    const { runner, calls } = fakes(version);
    const outcome = await runner.reconcile(pending, quietRunContext());
    expect(outcome.status).toBe('not-done');
    expect(calls).toEqual(['uncordon server.cp.2']);
  });
});

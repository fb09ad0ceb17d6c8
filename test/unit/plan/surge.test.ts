/**
 * `workers.pools[].upgrade.maxSurge`: surge servers (`server.<pool>.s<k>`) are created, configured
 * and joined before the pool's numbered nodes upgrade, and removed after the pool's gate, in the
 * same plan; none when nothing is to upgrade; an interrupted run's leftover goes the removal way.
 */
import { describe, expect, it } from 'vitest';
import { desiredResources } from '../../../src/engine/infra.js';
import type { Observation } from '../../../src/engine/provider.js';
import { nodeNameOf } from '../../../src/execute/kube/drainer.js';
import { renderNodeConfig, talosNodes, type ClusterFacts } from '../../../src/plan/talos/nodes.js';
import { planTalos, type TalosPlanInput } from '../../../src/plan/talos/plan-talos.js';
import { installerImage } from '../../../src/plan/talos/installer.js';
import { surgePools } from '../../../src/plan/talos/surge.js';
import type { NodeVersion } from '../../../src/plan/talos/upgrades.js';
import type { Action, DeleteAction } from '../../../src/plan/types.js';
import { addresses, serverName, serverPosition } from '../../../src/resources/hcloud/names.js';
import { resolveNetworkLayout } from '../../../src/spec/network.js';
import type { Spec } from '../../../src/spec/schema.js';
import { validateSpec } from '../../../src/spec/validate.js';
import type { State } from '../../../src/state/reducer.js';
import { SECRETS } from '../talos/config/fixtures.js';
import { fetchedKubeconfig } from '../../support/kubeconfig-record.js';

const VIP_TOKEN = 'hcloud-token-for-unit-tests';
const OLD = 'v1.13.9';
const NEW = 'v1.13.10';

const spec = (version: string, maxSurge = 1, extra: Record<string, unknown> = {}): Spec =>
  validateSpec({
    cluster: { name: 'unit', deleteProtection: true },
    firewall: { apiSources: ['127.0.0.1/32'] },
    talos: { version },
    controlPlane: {
      publicVipIpv4: { enabled: false },
      pools: [{ name: 'cp', location: 'fsn1', type: 'cpx22', count: 3 }],
    },
    workers: {
      pools: [
        { name: 'w', location: 'fsn1', type: 'cpx32', count: 2, upgrade: { maxSurge } },
        { name: 'x', location: 'fsn1', type: 'cpx32', count: 1 },
      ],
    },
    ...extra,
  });

/** A cluster configured from `base` (its surge nodes too, for `surge`), observed at `version`s. */
function running(base: Spec, next: Spec, surge: string[] = []): TalosPlanInput {
  const layout = resolveNetworkLayout(base);
  const facts: ClusterFacts = { servers: {} };
  const nodes = talosNodes(base, surge);
  nodes.forEach((n, i) => {
    facts.servers[n.server] = {
      id: String(100 + i),
      ipv4: `127.9.0.${i + 2}`,
      privateIp: `10.0.64.${i + 2}`,
    };
  });
  const applied: TalosPlanInput['applied'] = {};
  const versions: Record<string, NodeVersion> = {};
  for (const node of nodes) {
    const rendered = renderNodeConfig(base, layout, SECRETS, node, facts, undefined, VIP_TOKEN);
    if (!rendered) throw new Error('config must render');
    applied[node.config] = {
      serverId: facts.servers[node.server]?.id ?? '',
      hash: rendered.hash,
      config: rendered.config,
      installer: installerImage(base, base.talos.version),
      role: node.role,
    };
    versions[node.server] = { status: 'running', version: base.talos.version };
  }
  return {
    spec: next,
    layout,
    secrets: SECRETS,
    facts,
    applied,
    bootstrapped: true,
    hcloudToken: VIP_TOKEN,
    kubeconfig: fetchedKubeconfig(base, layout, facts),
    versions,
  };
}

const byId = (actions: Action[], id: string) => actions.find((a) => a.id === id);

function ancestors(actions: Action[], id: string): Set<string> {
  const seen = new Set<string>();
  const stack = [...(byId(actions, id)?.dependsOn ?? [])];
  while (stack.length > 0) {
    const next = stack.pop() as string;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...(byId(actions, next)?.dependsOn ?? []));
  }
  return seen;
}

const createSurge = (pool: string, k: number): Action => ({
  kind: 'create',
  id: `create:server.${pool}.s${k}`,
  address: `server.${pool}.s${k}`,
  type: 'server',
  props: {},
  dependsOn: [],
  reason: 'not found',
});

const noState = { resources: {}, secrets: {} } as unknown as State;
const noObservation: Observation = { resources: [] } as unknown as Observation;

describe('maxSurge: surge servers around a rolling Talos upgrade', () => {
  it('addresses and names: server.<pool>.s<k>, <cluster>-<pool>-s<k>', () => {
    expect(addresses.server('w', 's1')).toBe('server.w.s1');
    expect(serverName('unit', 'w', 's2')).toBe('unit-w-s2');
    expect(serverPosition('server.w.s2')).toEqual({ pool: 'w', index: 's2', surge: true });
    expect(serverPosition('server.w.12')).toEqual({ pool: 'w', index: 12, surge: false });
    expect(nodeNameOf('unit', 'server.w.s1')).toBe('unit-w-s1');
    expect(nodeNameOf('unit', 'server.w.3')).toBe('unit-w-3');
    expect(talosNodes(spec(OLD, 2), ['w']).map((n) => n.hostname)).toEqual([
      'unit-cp-1',
      'unit-cp-2',
      'unit-cp-3',
      'unit-w-1',
      'unit-w-2',
      'unit-w-s1',
      'unit-w-s2',
      'unit-x-1',
    ]);
  });

  it('wanted only while the pool has nodes to upgrade, and only for pools with maxSurge', () => {
    expect(surgePools(running(spec(OLD), spec(NEW)))).toEqual(['w']);
    expect(surgePools(running(spec(OLD), spec(OLD)))).toEqual([]);
    expect(surgePools(running(spec(OLD, 0), spec(NEW, 0)))).toEqual([]);
    const unobserved = running(spec(OLD), spec(NEW));
    delete unobserved.versions;
    expect(surgePools(unobserved)).toEqual([]);
    // Nothing to upgrade: no surge node in the Talos plan at all.
    const { actions } = planTalos(running(spec(OLD), spec(OLD)), [], false);
    expect(actions.filter((a) => a.address.includes('.s1'))).toEqual([]);
  });

  it('desired: a surge server in the pool subnet, no placement group, never delete-protected', () => {
    const plain = desiredResources(spec(NEW), noState, noObservation);
    expect(plain.some((d) => d.address === 'server.w.s1')).toBe(false);
    const desired = desiredResources(spec(NEW), noState, noObservation, undefined, ['w']);
    const surge = desired.find((d) => d.address === 'server.w.s1');
    const numbered = desired.find((d) => d.address === 'server.w.1');
    expect(surge?.props).toMatchObject({
      name: 'unit-w-s1',
      server_type: 'cpx32',
      image: { os: 'talos', talos_version: NEW },
      subnet: numbered?.props.subnet,
      protection: { delete: false, rebuild: false },
    });
    expect(surge?.props.placement_group).toBeUndefined();
    expect(numbered?.props.placement_group).toBeDefined();
    expect(numbered?.props.protection).toEqual({ delete: true, rebuild: true });
    expect(desired.filter((d) => d.address.startsWith('server.x.s'))).toEqual([]);
  });

  it('created, configured and joined before the pool upgrades; drained and deleted after its gate', () => {
    const { actions, groups } = planTalos(running(spec(OLD), spec(NEW)), [createSurge('w', 1)], false);
    const config = byId(actions, 'apply-config:talos.config.w.s1');
    expect(config).toMatchObject({ mode: 'initial' });
    expect(config?.dependsOn).toContain('create:server.w.s1');
    expect(byId(actions, 'wait:kube.node.w.s1')?.dependsOn).toEqual(['apply-config:talos.config.w.s1']);
    // The surge node boots the new version: never upgraded.
    expect(actions.some((a) => a.kind === 'upgrade' && a.node === 'server.w.s1')).toBe(false);
    for (const id of ['upgrade:talos.node.w.1@v1.13.10', 'upgrade:talos.node.w.2@v1.13.10']) {
      expect(ancestors(actions, id).has('wait:kube.node.w.s1')).toBe(true);
    }
    // The other pool gets no surge and does not wait for one.
    expect(ancestors(actions, 'upgrade:talos.node.x.1@v1.13.10').has('drain:server.w.s1')).toBe(false);
    // Surge adds capacity, never unavailability: the pool still goes maxUnavailable (1) at a time.
    expect(groups['talos-upgrade.w']).toEqual({ limit: 1 });
    const drain = ancestors(actions, 'drain:server.w.s1');
    expect(drain.has('wait:talos.gate.pool.w')).toBe(true);
    expect(drain.has('upgrade:talos.node.w.1@v1.13.10')).toBe(true);
    expect(drain.has('upgrade:talos.node.w.2@v1.13.10')).toBe(true);
    const server = byId(actions, 'delete:server.w.s1') as DeleteAction;
    expect(server).toMatchObject({ type: 'server', resourceId: '', dependsOn: ['drain:server.w.s1'] });
    expect(byId(actions, 'delete:kube.node.w.s1')).toMatchObject({
      resourceId: 'unit-w-s1',
      dependsOn: ['delete:server.w.s1'],
    });
    expect(byId(actions, 'delete:talos.config.w.s1')?.dependsOn).toEqual(['delete:kube.node.w.s1']);
  });

  it('maxSurge 2: two surge nodes, both joined before the first upgrade', () => {
    const infra = [createSurge('w', 1), createSurge('w', 2)];
    const { actions } = planTalos(running(spec(OLD, 2), spec(NEW, 2)), infra, false);
    const first = ancestors(actions, 'upgrade:talos.node.w.1@v1.13.10');
    expect(first.has('wait:kube.node.w.s1') && first.has('wait:kube.node.w.s2')).toBe(true);
    expect(actions.filter((a) => a.kind === 'drain').map((a) => a.address)).toEqual([
      'server.w.s1',
      'server.w.s2',
    ]);
  });

  it('resumed mid-upgrade: the surge node that exists stays until the pool is done', () => {
    const input = running(spec(OLD), spec(NEW), ['w']);
    input.versions = { ...input.versions, 'server.w.1': { status: 'running', version: NEW } };
    const applied = input.applied['talos.config.w.1'];
    if (applied) applied.installer = installerImage(input.spec, NEW);
    input.versions['server.w.s1'] = { status: 'running', version: NEW };
    expect(surgePools(input)).toEqual(['w']);
    const { actions } = planTalos(input, [], false);
    expect(actions.some((a) => a.id === 'upgrade:talos.node.w.1@v1.13.10')).toBe(false);
    expect(ancestors(actions, 'upgrade:talos.node.w.2@v1.13.10').has('wait:kube.node.w.s1')).toBe(true);
    // Its id is known now; its config is kept, not forgotten before the pool is done.
    const server = byId(actions, 'delete:server.w.s1') as DeleteAction;
    expect(server.resourceId).toBe(input.facts.servers['server.w.s1']?.id);
    expect(ancestors(actions, 'delete:talos.config.w.s1').has('wait:talos.gate.pool.w')).toBe(true);
  });

  it('left over once the pool is done: the ordinary removal path takes it (drain → server → Node → config)', () => {
    const input = running(spec(OLD), spec(NEW), ['w']);
    for (const [server, version] of Object.entries(input.versions ?? {})) {
      if (version.status === 'running') input.versions![server] = { status: 'running', version: NEW };
    }
    for (const applied of Object.values(input.applied)) applied.installer = installerImage(input.spec, NEW);
    expect(surgePools(input)).toEqual([]);
    const infra: Action[] = [
      {
        kind: 'drain',
        id: 'drain:server.w.s1',
        address: 'server.w.s1',
        node: 'server.w.s1',
        dependsOn: [],
        reason: 'node will be deleted',
      },
      {
        kind: 'delete',
        id: 'delete:server.w.s1',
        address: 'server.w.s1',
        type: 'server',
        resourceId: '105',
        before: {},
        dependsOn: ['drain:server.w.s1'],
        reason: 'not in the spec',
      },
    ];
    const { actions, edges } = planTalos(input, infra, false);
    expect(actions.some((a) => a.kind === 'wait' && a.address === 'kube.node.w.s1')).toBe(false);
    expect(byId(actions, 'delete:kube.node.w.s1')).toMatchObject({
      resourceId: 'unit-w-s1',
      dependsOn: ['delete:server.w.s1'],
    });
    expect(byId(actions, 'delete:talos.config.w.s1')?.dependsOn).toEqual(['delete:kube.node.w.s1']);
    expect(edges).toEqual([['delete:server.w.s1', 'drain:server.w.s1']]);
  });
});

import { describe, expect, it } from 'vitest';
import type { Action, DeleteAction } from '../../../src/plan/types.js';
import { renderNodeConfig, talosNodes, type ClusterFacts } from '../../../src/plan/talos/nodes.js';
import { planTalos, REBOOT_GROUP, type TalosPlanInput } from '../../../src/plan/talos/plan-talos.js';
import { resolveNetworkLayout } from '../../../src/spec/network.js';
import { validateSpec } from '../../../src/spec/validate.js';
import { SECRETS } from '../talos/config/fixtures.js';

const TOKEN = 'hcloud-token-for-unit-tests';
const FLOATING_IP = '127.9.220.2';

const spec = (workerLabel = 'general', cpType = 'cpx22') =>
  validateSpec({
    cluster: { name: 'unit' },
    firewall: { apiSources: ['127.0.0.1/32'] },
    controlPlane: { pools: [{ name: 'cp', location: 'fsn1', type: cpType, count: 3 }] },
    workers: {
      pools: [{ name: 'w', location: 'fsn1', type: 'cpx32', count: 2, labels: { tier: workerLabel } }],
    },
  });

/** A cluster whose five servers exist, configured with `base`'s configs. */
function running(base = spec()): TalosPlanInput {
  const layout = resolveNetworkLayout(base);
  const facts: ClusterFacts = { servers: {}, floatingIpv4: FLOATING_IP };
  talosNodes(base).forEach((n, i) => {
    facts.servers[n.server] = {
      id: String(100 + i),
      ipv4: `127.9.0.${i + 2}`,
      privateIp: `10.0.64.${i + 2}`,
    };
  });
  const applied: TalosPlanInput['applied'] = {};
  for (const node of talosNodes(base)) {
    const rendered = renderNodeConfig(base, layout, SECRETS, node, facts, undefined, TOKEN);
    if (!rendered) throw new Error('config must render');
    applied[node.config] = {
      serverId: facts.servers[node.server]?.id ?? '',
      hash: rendered.hash,
      config: rendered.config,
    };
  }
  return {
    spec: base,
    layout,
    secrets: SECRETS,
    facts,
    applied,
    bootstrapped: true,
    kubeconfig: { server: `https://${FLOATING_IP}:6443` },
    hcloudToken: TOKEN,
  };
}

const ids = (actions: Action[]) => actions.map((a) => a.id);

describe('planTalos', () => {
  it('brings a new cluster up: secrets, a first config per node, bootstrap once, health, kubeconfig', () => {
    const s = spec();
    const infra: Action[] = talosNodes(s).map((n) => ({
      kind: 'create',
      id: `create:${n.server}`,
      address: n.server,
      type: 'server',
      props: {},
      dependsOn: [],
      reason: 'new',
    }));
    const { actions } = planTalos(
      {
        spec: s,
        layout: resolveNetworkLayout(s),
        facts: { servers: {} },
        applied: {},
        bootstrapped: false,
        kubeconfig: false,
      },
      infra,
      false,
    );
    expect(ids(actions)).toEqual([
      'create:talos.secrets',
      'apply-config:talos.config.cp.1',
      'apply-config:talos.config.cp.2',
      'apply-config:talos.config.cp.3',
      'apply-config:talos.config.w.1',
      'apply-config:talos.config.w.2',
      'bootstrap:talos.bootstrap',
      'wait:talos.health',
      'create:talos.kubeconfig',
    ]);
    const first = actions.find((a) => a.id === 'apply-config:talos.config.w.1');
    expect(first?.dependsOn).toContain('create:server.w.1');
    expect(first?.dependsOn).toContain('create:talos.secrets');
    expect(first?.dependsOn).toContain('create:server.cp.1');
    expect(actions.find((a) => a.kind === 'bootstrap')?.dependsOn).toEqual([
      'apply-config:talos.config.cp.1',
    ]);
  });

  it('plans nothing for a running cluster whose configs are current', () => {
    expect(planTalos(running(), [], false).actions).toEqual([]);
  });

  it('never plans a second bootstrap once it is recorded', () => {
    const input = running();
    expect(planTalos(input, [], false).actions.some((a) => a.kind === 'bootstrap')).toBe(false);
    expect(
      planTalos({ ...input, bootstrapped: false }, [], false).actions.filter((a) => a.kind === 'bootstrap'),
    ).toHaveLength(1);
  });

  it('a node label change is applied without a reboot, with a readable diff', () => {
    const { actions } = planTalos({ ...running(), spec: spec('batch') }, [], false);
    const configs = actions.filter((a) => a.kind === 'apply-config');
    expect(configs.map((a) => [a.id, a.kind === 'apply-config' && a.mode])).toEqual([
      ['apply-config:talos.config.w.1', 'no-reboot'],
      ['apply-config:talos.config.w.2', 'no-reboot'],
    ]);
    const change = configs[0]?.kind === 'apply-config' ? configs[0].changes : [];
    expect(change).toEqual([{ path: 'machine.nodeLabels.tier', before: 'general', after: 'batch' }]);
    expect(ids(actions)).toContain('wait:talos.health');
  });

  it('reboots one node at a time, control planes first', () => {
    const input = running();
    const changed = {
      ...input,
      spec: { ...input.spec, talos: { ...input.spec.talos, extraKernelArgs: ['quiet'] } },
    };
    const { actions } = planTalos(changed, [], false);
    const reboots = actions.filter((a) => a.kind === 'apply-config' && a.mode === 'reboot');
    expect(reboots).toHaveLength(5);
    expect(reboots.every((a) => a.group === REBOOT_GROUP)).toBe(true);
    const worker = reboots.find((a) => a.address === 'talos.config.w.1');
    expect(worker?.dependsOn).toEqual(
      expect.arrayContaining([
        'apply-config:talos.config.cp.1',
        'apply-config:talos.config.cp.2',
        'apply-config:talos.config.cp.3',
      ]),
    );
  });

  it('a replaced server gets a first config again', () => {
    const input = running();
    const facts = structuredClone(input.facts);
    (facts.servers['server.w.2'] as { id: string }).id = '999';
    const { actions } = planTalos({ ...input, facts }, [], false);
    const config = actions.find((a) => a.id === 'apply-config:talos.config.w.2');
    expect(config?.kind === 'apply-config' && config.mode).toBe('initial');
    expect(config?.reason).toBe('the server was replaced');
  });

  it('a removed control plane leaves etcd before its server is deleted, its Node after', () => {
    const input = running();
    const smaller = validateSpec({
      ...JSON.parse(JSON.stringify(input.spec)),
      controlPlane: { pools: [{ name: 'cp', location: 'fsn1', type: 'cpx22', count: 1 }] },
    });
    const infra: Action[] = [
      {
        kind: 'drain',
        id: 'drain:server.cp.3',
        address: 'server.cp.3',
        node: 'server.cp.3',
        dependsOn: [],
        reason: 'x',
      },
      {
        kind: 'delete',
        id: 'delete:server.cp.3',
        address: 'server.cp.3',
        type: 'server',
        resourceId: '102',
        before: {},
        dependsOn: ['drain:server.cp.3'],
        reason: 'x',
      },
    ];
    const { actions, edges } = planTalos({ ...input, spec: smaller }, infra, false);
    const leave = actions.find((a) => a.id === 'leave-etcd:talos.config.cp.3');
    expect(leave).toMatchObject({
      kind: 'leave-etcd',
      node: 'server.cp.3',
      member: `${input.spec.cluster.name}-cp-3`,
      dependsOn: ['drain:server.cp.3'],
    });
    // The server goes once the member left; its Node object after it; the record last.
    expect(edges).toContainEqual(['delete:server.cp.3', 'leave-etcd:talos.config.cp.3']);
    const node = actions.find((a) => a.id === 'delete:kube.node.cp.3') as DeleteAction | undefined;
    expect(node).toMatchObject({ type: 'kube_node', resourceId: `${input.spec.cluster.name}-cp-3` });
    expect(node?.dependsOn).toEqual(['delete:server.cp.3']);
    const forget = actions.find((a) => a.id === 'delete:talos.config.cp.3') as DeleteAction | undefined;
    expect(forget?.before).toEqual({ server: 'server.cp.3' });
    expect(forget?.dependsOn).toEqual(['delete:kube.node.cp.3']);
  });

  it('destroy forgets every Talos record and calls nothing', () => {
    const { actions } = planTalos(running(), [], true);
    expect(actions.every((a) => a.kind === 'delete')).toBe(true);
    expect(ids(actions)).toEqual(
      expect.arrayContaining([
        'delete:talos.bootstrap',
        'delete:talos.kubeconfig',
        'delete:talos.config.cp.1',
      ]),
    );
  });

  it('destroy forgets the secrets bundle last, after every server and record is gone', () => {
    const infra: Action[] = ['server.cp.1', 'network.main'].map((address) => ({
      kind: 'delete',
      id: `delete:${address}`,
      address,
      type: address.startsWith('server') ? 'server' : 'network',
      resourceId: '1',
      before: {},
      dependsOn: [],
      reason: 'destroying the cluster',
    }));
    const { actions } = planTalos(running(), infra, true);
    const forget = actions.find((a) => a.id === 'delete:talos.secrets');
    expect(forget).toMatchObject({ type: 'talos_secrets', resourceId: SECRETS.cluster.id });
    const others = [...infra, ...actions].filter((a) => a !== forget).map((a) => a.id);
    expect(forget?.dependsOn).toEqual([...others].sort());
  });

  it('destroy of a cluster that never got secrets has nothing of them to forget', () => {
    const { secrets: _none, ...withoutSecrets } = running();
    const { actions } = planTalos(withoutSecrets, [], true);
    expect(ids(actions)).not.toContain('delete:talos.secrets');
  });
});

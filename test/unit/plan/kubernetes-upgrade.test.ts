import { describe, expect, it } from 'vitest';
import type { Action, UpgradeComponentAction, UpgradeKubernetesAction } from '../../../src/plan/types.js';
import { renderNodeConfig, talosNodes, type ClusterFacts } from '../../../src/plan/talos/nodes.js';
import { planTalos, type TalosPlanInput } from '../../../src/plan/talos/plan-talos.js';
import type { ClusterKubernetes } from '../../../src/plan/talos/kubernetes-upgrade.js';
import type { ComponentVersions } from '../../../src/talos/config/index.js';
import { resolveNetworkLayout } from '../../../src/spec/network.js';
import type { Spec } from '../../../src/spec/schema.js';
import { validateSpec } from '../../../src/spec/validate.js';
import { SECRETS } from '../talos/config/fixtures.js';
import { fetchedKubeconfig } from '../../support/kubeconfig-record.js';

/** The control planes' VIP documents carry a token: without one their configs do not render. */
const VIP_TOKEN = 'hcloud-token-for-unit-tests';

const OLD = 'v1.35.4';
const NEW = 'v1.36.3';

const spec = (version: string, extra: { label?: string; cilium?: boolean } = {}): Spec =>
  validateSpec({
    cluster: { name: 'unit' },
    firewall: { apiSources: ['127.0.0.1/32'] },
    kubernetes: { version },
    controlPlane: {
      publicVipIpv4: { enabled: false },
      pools: [{ name: 'cp', location: 'fsn1', type: 'cpx22', count: 3 }],
    },
    workers: {
      pools: [
        { name: 'w', location: 'fsn1', type: 'cpx32', count: 2, labels: { tier: extra.label ?? 'general' } },
      ],
    },
    // Cilium replaces kube-proxy by default; most cases here keep kube-proxy to see its steps.
    addons: { cilium: { enabled: true, kubeProxyReplacement: extra.cilium === true } },
  });

const facts: ClusterFacts = { servers: {} };
talosNodes(spec(OLD)).forEach((n, i) => {
  facts.servers[n.server] = { id: String(100 + i), ipv4: `127.9.0.${i + 2}`, privateIp: `10.0.64.${i + 2}` };
});

/** A cluster whose nodes were configured from `base` (plus per-node staged versions). */
function cluster(base: Spec, staged: Record<string, ComponentVersions> = {}): TalosPlanInput {
  const layout = resolveNetworkLayout(base);
  const applied: TalosPlanInput['applied'] = {};
  for (const node of talosNodes(base)) {
    const rendered = renderNodeConfig(base, layout, SECRETS, node, facts, staged[node.server], VIP_TOKEN);
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
    hcloudToken: VIP_TOKEN,
    kubeconfig: fetchedKubeconfig(base, layout, facts),
  };
}

const steps = (actions: Action[]) =>
  actions.filter((a): a is UpgradeKubernetesAction => a.kind === 'upgrade-kubernetes');
const line = (a: UpgradeKubernetesAction) =>
  a.component === 'bootstrap-manifests'
    ? `manifests ${a.from}→${a.to}`
    : `${a.node} ${a.component} ${a.from}→${a.to}`;

const ALL = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy', 'kubelet'] as const;
const CPS = ['server.cp.1', 'server.cp.2', 'server.cp.3'];
const NODES = [...CPS, 'server.w.1', 'server.w.2'];

/** What Kubernetes reports: every node at `version`, except what `at` says. */
function observed(
  version: string,
  at: Record<string, ComponentVersions> = {},
  extra: Partial<ClusterKubernetes> = {},
) {
  const nodes: ClusterKubernetes['nodes'] = {};
  for (const server of NODES) {
    const own = Object.fromEntries(
      (CPS.includes(server) ? ALL : (['kubelet'] as const)).map((c) => [c, version]),
    ) as ComponentVersions;
    nodes[server] = { versions: { ...own, ...at[server] }, notReady: [] };
  }
  return { source: 'kubernetes' as const, nodes, proxyPods: [version, version], ...extra };
}

describe('Kubernetes upgrade planning', () => {
  it('one minor up: each control-plane component on every control plane in turn, then kube-proxy, kubelets, manifests', () => {
    const input = { ...cluster(spec(OLD)), spec: spec(NEW), kubernetes: observed(OLD) };
    const { actions } = planTalos(input, [], false);
    // The version change alone pushes no config outside the upgrade's own steps.
    expect(actions.filter((a) => a.kind !== 'upgrade-kubernetes')).toEqual([]);
    const plan = steps(actions);
    const expected = [
      ...['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy'].flatMap((c) =>
        CPS.map((n) => `${n} ${c} ${OLD}→${NEW}`),
      ),
      ...NODES.map((n) => `${n} kubelet ${OLD}→${NEW}`),
      `manifests ${OLD}→${NEW}`,
    ];
    expect(plan.map(line)).toEqual(expected);
    // A chain: never two steps at once, whatever the parallelism.
    plan.forEach((step, i) => expect(step.dependsOn).toEqual(i === 0 ? [] : [plan[i - 1]?.id]));
    const manifests = plan.at(-1);
    expect(
      manifests?.component === 'bootstrap-manifests' && manifests.manifests.map((m) => [m.name, m.image]),
    ).toEqual([
      ['kube-proxy', `registry.k8s.io/kube-proxy:${NEW}`],
      ['coredns', expect.stringMatching(/^registry\.k8s\.io\/coredns\/coredns:v/)],
    ]);
  });

  it('stages each step: the components done so far at the new version, the rest at the old', () => {
    const input = { ...cluster(spec(OLD)), spec: spec(NEW), kubernetes: observed(OLD) };
    const plan = steps(planTalos(input, [], false).actions) as UpgradeComponentAction[];
    const cm2 = plan.find((s) => s.node === 'server.cp.2' && s.component === 'kube-controller-manager');
    expect(cm2?.staged).toEqual({
      'kube-apiserver': NEW,
      'kube-controller-manager': NEW,
      'kube-scheduler': OLD,
      'kube-proxy': OLD,
      kubelet: OLD,
    });
    // Each node's last step renders exactly the target config, so the next plan is empty.
    const layout = resolveNetworkLayout(spec(NEW));
    for (const node of talosNodes(spec(NEW))) {
      const last = plan.filter((s) => s.node === node.server).at(-1);
      const staged = renderNodeConfig(spec(NEW), layout, SECRETS, node, facts, last?.staged, VIP_TOKEN);
      expect(staged?.hash).toBe(
        renderNodeConfig(spec(NEW), layout, SECRETS, node, facts, undefined, VIP_TOKEN)?.hash,
      );
    }
  });

  it('skips what already runs the target: a finished node, a finished component, a resumed run', () => {
    const cp1Done = {
      'kube-apiserver': NEW,
      'kube-controller-manager': NEW,
      'kube-scheduler': NEW,
      'kube-proxy': NEW,
      kubelet: NEW,
    };
    const cp2Api = { 'kube-apiserver': NEW };
    // What the interrupted run recorded: cp.1 all done, cp.2's API server moved, w.1's kubelet moved.
    const recorded = cluster(spec(OLD), {
      'server.cp.1': cp1Done,
      'server.cp.2': cp2Api,
      'server.w.1': { kubelet: NEW },
    });
    const input = {
      ...recorded,
      spec: spec(NEW),
      kubernetes: observed(OLD, {
        'server.cp.1': cp1Done,
        'server.cp.2': cp2Api,
        'server.w.1': { kubelet: NEW },
      }),
    };
    const { actions } = planTalos(input, [], false);
    expect(actions.filter((a) => a.kind === 'apply-config')).toEqual([]);
    const plan = steps(actions).map(line);
    expect(plan.filter((l) => l.startsWith('server.cp.1 '))).toEqual([]);
    expect(plan.filter((l) => l.startsWith('server.w.1 '))).toEqual([]);
    expect(plan.filter((l) => l.startsWith('server.cp.2 '))).toEqual([
      `server.cp.2 kube-controller-manager ${OLD}→${NEW}`,
      `server.cp.2 kube-scheduler ${OLD}→${NEW}`,
      `server.cp.2 kube-proxy ${OLD}→${NEW}`,
      `server.cp.2 kubelet ${OLD}→${NEW}`,
    ]);
    expect(plan[0]).toBe(`server.cp.3 kube-apiserver ${OLD}→${NEW}`);
  });

  it('plans nothing once every node and the kube-proxy pods run the target', () => {
    const done = { ...cluster(spec(NEW)), kubernetes: observed(NEW) };
    expect(planTalos(done, [], false).actions).toEqual([]);
    // Only the recorded configs to go by (the API not asked): the same.
    expect(planTalos(cluster(spec(NEW)), [], false).actions).toEqual([]);
  });

  it('runs the manifests again when only the kube-proxy pods lag (a run stopped before them)', () => {
    const input = { ...cluster(spec(NEW)), kubernetes: observed(NEW, {}, { proxyPods: [OLD, NEW] }) };
    expect(steps(planTalos(input, [], false).actions).map(line)).toEqual([`manifests ${OLD}→${NEW}`]);
  });

  it('waits again for a component at the target that is not Ready while the upgrade goes on', () => {
    const k = observed(OLD, { 'server.cp.1': { 'kube-apiserver': NEW } });
    const cp1 = k.nodes['server.cp.1'];
    if (cp1) cp1.notReady = ['kube-apiserver'];
    const recorded = cluster(spec(OLD), { 'server.cp.1': { 'kube-apiserver': NEW } });
    const plan = steps(planTalos({ ...recorded, spec: spec(NEW), kubernetes: k }, [], false).actions);
    expect(line(plan[0] as UpgradeKubernetesAction)).toBe(`server.cp.1 kube-apiserver ${NEW}→${NEW}`);
  });

  it('goes through every intermediate minor, each a whole procedure', () => {
    const from = 'v1.34.10';
    const input = { ...cluster(spec(from)), spec: spec(NEW), kubernetes: observed(from) };
    const plan = steps(planTalos(input, [], false).actions);
    expect(plan).toHaveLength(2 * 18);
    expect(plan.slice(0, 18).every((s) => s.to === OLD)).toBe(true);
    expect(plan.slice(18).every((s) => s.from === OLD && s.to === NEW)).toBe(true);
    expect(line(plan[17] as UpgradeKubernetesAction)).toBe(`manifests ${from}→${OLD}`);
    expect(new Set(plan.map((s) => s.id)).size).toBe(plan.length);
  });

  it('pushes other config changes first, keeping the versions the nodes run, and the upgrade waits for them', () => {
    const input = { ...cluster(spec(OLD)), spec: spec(NEW, { label: 'batch' }), kubernetes: observed(OLD) };
    const { actions } = planTalos(input, [], false);
    const configs = actions.filter((a) => a.kind === 'apply-config');
    expect(configs.map((a) => a.address)).toEqual(['talos.config.w.1', 'talos.config.w.2']);
    for (const config of configs) {
      expect(config.kind === 'apply-config' && config.changes.map((c) => c.path)).toEqual([
        'machine.nodeLabels.tier',
      ]);
      expect(config.kind === 'apply-config' && config.kubernetes).toEqual({ kubelet: OLD });
    }
    const first = steps(actions)[0];
    expect(first?.dependsOn).toEqual([
      'apply-config:talos.config.w.1',
      'apply-config:talos.config.w.2',
      'wait:talos.health',
    ]);
  });

  it('without kube-proxy (Cilium replaces it) there is no kube-proxy step and only CoreDNS in the manifests', () => {
    const base = spec(OLD, { cilium: true });
    const input = { ...cluster(base), spec: spec(NEW, { cilium: true }) };
    const plan = steps(planTalos(input, [], false).actions);
    expect(plan.some((s) => s.component === 'kube-proxy')).toBe(false);
    expect(plan).toHaveLength(3 * 3 + 5 + 1);
    const manifests = plan.at(-1);
    expect(manifests?.component === 'bootstrap-manifests' && manifests.manifests.map((m) => m.name)).toEqual([
      'coredns',
    ]);
  });
});

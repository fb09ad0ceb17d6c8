/**
 * What a plan of a large running cluster costs, counted (never timed): machine configs built and
 * serialised, and node lists built. A config is rendered only when what it is built from changed.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  nodeConfigInput,
  nodeListWork,
  renderNodeConfig,
  talosNodes,
  type ClusterFacts,
} from '../../../src/plan/talos/nodes.js';
import { planTalos, type TalosPlanInput } from '../../../src/plan/talos/plan-talos.js';
import { resolveNetworkLayout } from '../../../src/spec/network.js';
import type { Spec } from '../../../src/spec/schema.js';
import { validateSpec } from '../../../src/spec/validate.js';
import { configWork } from '../../../src/talos/config/index.js';
import { SECRETS } from '../talos/config/fixtures.js';

const TOKEN = 'hcloud-token-for-unit-tests';

/** 3 control planes and 89 + 8 workers in two pools (the private network's limit of 100 servers). */
function largeSpec(change: { label?: string; gpuCount?: number; kernelArgs?: string[] } = {}): Spec {
  return validateSpec({
    cluster: { name: 'big' },
    firewall: { apiSources: ['127.0.0.1/32'] },
    controlPlane: {
      pools: [{ name: 'cp', location: 'fsn1', type: 'cpx22', count: 3 }],
      privateVipIpv4: { enabled: true },
    },
    workers: {
      pools: [
        { name: 'general', location: 'fsn1', type: 'cpx32', count: 89, labels: { tier: 'general' } },
        {
          name: 'gpu',
          location: 'nbg1',
          type: 'cax21',
          count: change.gpuCount ?? 8,
          labels: { tier: change.label ?? 'gpu' },
        },
      ],
    },
    talos: { extraKernelArgs: change.kernelArgs ?? [] },
  });
}

function factsFor(spec: Spec): ClusterFacts {
  const facts: ClusterFacts = { servers: {}, floatingIpv4: '127.10.200.1' };
  talosNodes(spec).forEach((n, i) => {
    facts.servers[n.server] = {
      id: String(1000 + i),
      ipv4: `127.10.${i >> 8}.${(i & 255) + 1}`,
      privateIp: `10.0.${64 + (i >> 8)}.${(i & 255) + 2}`,
    };
  });
  return facts;
}

/** The cluster as applied from `spec`, every config recorded as the runner records it. */
function applied(spec: Spec): TalosPlanInput {
  const layout = resolveNetworkLayout(spec);
  const facts = factsFor(spec);
  const records: TalosPlanInput['applied'] = {};
  for (const node of talosNodes(spec)) {
    const rendered = renderNodeConfig(spec, layout, SECRETS, node, facts, undefined, TOKEN);
    if (!rendered) throw new Error(`${node.server}: config must render`);
    records[node.config] = {
      serverId: facts.servers[node.server]?.id ?? '',
      hash: rendered.hash,
      inputs: rendered.inputs,
      role: node.role,
      config: rendered.config,
    };
  }
  return {
    spec,
    layout,
    secrets: SECRETS,
    facts,
    applied: records,
    bootstrapped: true,
    kubeconfig: { server: 'https://127.10.200.1:6443' },
    hcloudToken: TOKEN,
  };
}

const reset = () => {
  configWork.builds = 0;
  configWork.yamls = 0;
  nodeListWork.builds = 0;
};

describe('plan cost of a running 3 + 97 cluster', () => {
  let base: TalosPlanInput;
  beforeEach(() => {
    base = applied(largeSpec());
    reset();
  });

  it('an unchanged cluster: no config built or serialised, the node list built once', () => {
    const { actions } = planTalos(base, [], false);
    expect(actions).toEqual([]);
    expect(configWork).toEqual({ builds: 0, yamls: 0 });
    expect(nodeListWork.builds).toBeLessThanOrEqual(1);
  });

  it("one pool's label changed: only that pool's 8 configs are rendered, each once", () => {
    const spec = largeSpec({ label: 'accelerated' });
    const { actions } = planTalos({ ...base, spec, layout: resolveNetworkLayout(spec) }, [], false);
    const configs = actions.filter((a) => a.kind === 'apply-config').map((a) => a.address);
    expect(configs).toEqual(Array.from({ length: 8 }, (_, i) => `talos.config.gpu.${i + 1}`));
    expect(configWork.builds).toBe(8);
    expect(nodeListWork.builds).toBeLessThanOrEqual(1);
  });

  it('a pool grown by one: the new node gets its first config, no existing config is rendered', () => {
    const smaller = applied(largeSpec({ gpuCount: 7 }));
    const spec = largeSpec({ gpuCount: 8 });
    const facts = factsFor(spec);
    reset();
    const { actions } = planTalos({ ...smaller, spec, layout: resolveNetworkLayout(spec), facts }, [], false);
    const configs = actions.filter((a) => a.kind === 'apply-config');
    expect(configs.map((a) => [a.address, a.kind === 'apply-config' && a.mode])).toEqual([
      ['talos.config.gpu.8', 'initial'],
    ]);
    expect(configWork.builds).toBe(0);
  });

  it('a change every config reads renders all 100, and each is planned', () => {
    const spec = largeSpec({ kernelArgs: ['quiet'] });
    const { actions } = planTalos({ ...base, spec, layout: resolveNetworkLayout(spec) }, [], false);
    expect(actions.filter((a) => a.kind === 'apply-config')).toHaveLength(100);
    expect(configWork.builds).toBe(100);
  });

  it('records without an inputs digest (older hk8s) fall back to render and compare', () => {
    const old = Object.fromEntries(
      Object.entries(base.applied).map(([k, { inputs: _inputs, ...rest }]) => [k, rest]),
    );
    const { actions } = planTalos({ ...base, applied: old }, [], false);
    expect(actions).toEqual([]);
    expect(configWork.builds).toBe(100);
  });
});

describe('the inputs digest', () => {
  const spec = largeSpec();
  const layout = resolveNetworkLayout(spec);
  const facts = factsFor(spec);
  const node = talosNodes(spec).find((n) => n.server === 'server.general.1');
  const digestOf = (s: Spec, f: ClusterFacts = facts, token = TOKEN) => {
    if (!node) throw new Error('no node');
    return nodeConfigInput(s, resolveNetworkLayout(s), SECRETS, node, f, undefined, token)?.inputs;
  };

  it('does not move when another pool changes in a way this config does not read', () => {
    expect(digestOf(largeSpec({ label: 'other' }))).toBe(digestOf(spec));
    expect(digestOf(largeSpec({ gpuCount: 7 }))).toBe(digestOf(spec));
  });

  it('moves with every input the config reads: spec, node, control-plane addresses, token', () => {
    const moved = structuredClone(facts);
    (moved.servers['server.cp.2'] as { ipv4?: string }).ipv4 = '127.10.9.9';
    const digests = [
      digestOf(spec),
      digestOf(largeSpec({ kernelArgs: ['quiet'] })),
      digestOf(spec, moved),
      digestOf(spec, facts, 'another-token'),
    ];
    expect(new Set(digests).size).toBe(digests.length);
    expect(layout.networkCidr).toBeDefined();
  });

  it('equal digests, equal configs: across the variations above, a config that differs has another digest', () => {
    if (!node) throw new Error('no node');
    const variants = [
      spec,
      largeSpec({ label: 'other' }),
      largeSpec({ gpuCount: 7 }),
      largeSpec({ kernelArgs: ['quiet'] }),
    ];
    const byDigest = new Map<string, string>();
    for (const s of variants) {
      const rendered = renderNodeConfig(s, resolveNetworkLayout(s), SECRETS, node, facts, undefined, TOKEN);
      if (!rendered) throw new Error('must render');
      const seen = byDigest.get(rendered.inputs);
      if (seen !== undefined) expect(rendered.hash).toBe(seen);
      byDigest.set(rendered.inputs, rendered.hash);
    }
  });
});

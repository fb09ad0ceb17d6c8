import { describe, expect, it } from 'vitest';
import { renderPlanText } from '../../../src/cli/render/plan-text.js';
import { inputsHash, makePlan, type PlanInputs } from '../../../src/plan/plan.js';
import { renderNodeConfig, talosNodes, type ClusterFacts } from '../../../src/plan/talos/nodes.js';
import { planTalos, REBOOT_GROUP, type TalosPlanInput } from '../../../src/plan/talos/plan-talos.js';
import { installerImage } from '../../../src/plan/talos/installer.js';
import type { NodeVersion } from '../../../src/plan/talos/upgrades.js';
import type { Action, ApplyConfigAction, UpgradeAction, WaitAction } from '../../../src/plan/types.js';
import { resolveNetworkLayout } from '../../../src/spec/network.js';
import type { Spec } from '../../../src/spec/schema.js';
import { validateSpec } from '../../../src/spec/validate.js';
import { SECRETS } from '../talos/config/fixtures.js';
import { fetchedKubeconfig } from '../../support/kubeconfig-record.js';

/** The control planes' VIP documents carry a token: without one their configs do not render. */
const VIP_TOKEN = 'hcloud-token-for-unit-tests';

const OLD = 'v1.13.9';
const NEW = 'v1.13.10';

interface Shape {
  version?: string;
  workers?: Array<{ name: string; count: number; maxUnavailable?: number }>;
  extensions?: string[];
}

const spec = (shape: Shape = {}): Spec =>
  validateSpec({
    cluster: { name: 'unit' },
    firewall: { apiSources: ['127.0.0.1/32'] },
    talos: { version: shape.version ?? OLD, extensions: shape.extensions ?? [] },
    controlPlane: {
      publicVipIpv4: { enabled: false },
      pools: [{ name: 'cp', location: 'fsn1', type: 'cpx22', count: 3 }],
    },
    workers: {
      pools: (shape.workers ?? [{ name: 'w', count: 3 }]).map((p) => ({
        name: p.name,
        location: 'fsn1',
        type: 'cpx32',
        count: p.count,
        ...(p.maxUnavailable ? { upgrade: { maxUnavailable: p.maxUnavailable } } : {}),
      })),
    },
  });

/** A running cluster configured by `base`, every node observed at `base`'s version. */
function running(base: Spec): TalosPlanInput {
  const layout = resolveNetworkLayout(base);
  const facts: ClusterFacts = { servers: {} };
  talosNodes(base).forEach((n, i) => {
    facts.servers[n.server] = {
      id: String(100 + i),
      ipv4: `127.9.0.${i + 2}`,
      privateIp: `10.0.64.${i + 2}`,
    };
  });
  const applied: TalosPlanInput['applied'] = {};
  const versions: Record<string, NodeVersion> = {};
  for (const node of talosNodes(base)) {
    const rendered = renderNodeConfig(base, layout, SECRETS, node, facts, undefined, VIP_TOKEN);
    if (!rendered) throw new Error('config must render');
    applied[node.config] = {
      serverId: facts.servers[node.server]?.id ?? '',
      hash: rendered.hash,
      config: rendered.config,
      installer: installerImage(base, base.talos.version),
    };
    versions[node.server] = { status: 'running', version: base.talos.version };
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
    versions,
  };
}

/** The same cluster, now asked for `next`. */
function changedTo(next: Spec, from: Spec = spec(), versions?: Record<string, NodeVersion>): TalosPlanInput {
  const input = running(from);
  return { ...input, spec: next, versions: { ...input.versions, ...versions } };
}

const upgrades = (actions: Action[]) => actions.filter((a): a is UpgradeAction => a.kind === 'upgrade');
const byId = (actions: Action[], id: string) => actions.find((a) => a.id === id);

/** Every action that `id` depends on, directly or not. */
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

describe('rolling Talos upgrades in the plan', () => {
  it('upgrades control planes one by one, then the workers, each from → to with the installer', () => {
    const { actions, groups } = planTalos(changedTo(spec({ version: NEW })), [], false);
    const steps = upgrades(actions);
    expect(steps.map((s) => [s.node, s.from, s.to])).toEqual([
      ['server.cp.1', OLD, NEW],
      ['server.cp.2', OLD, NEW],
      ['server.cp.3', OLD, NEW],
      ['server.w.1', OLD, NEW],
      ['server.w.2', OLD, NEW],
      ['server.w.3', OLD, NEW],
    ]);
    expect(steps.every((s) => s.image === installerImage(spec({ version: NEW }), NEW))).toBe(true);
    // Control planes: a chain, in the one-at-a-time group shared with reboots.
    expect(
      ancestors(actions, 'upgrade:talos.node.cp.3@v1.13.10').has('upgrade:talos.node.cp.2@v1.13.10'),
    ).toBe(true);
    expect(
      ancestors(actions, 'upgrade:talos.node.cp.2@v1.13.10').has('upgrade:talos.node.cp.1@v1.13.10'),
    ).toBe(true);
    expect(steps.filter((s) => s.role === 'controlplane').every((s) => s.group === REBOOT_GROUP)).toBe(true);
    // Workers wait for every control plane and the gate after them, and run one at a time.
    for (const worker of steps.filter((s) => s.role === 'worker')) {
      const before = ancestors(actions, worker.id);
      expect(before.has('wait:talos.gate.control-planes')).toBe(true);
      expect(before.has('upgrade:talos.node.cp.3@v1.13.10')).toBe(true);
      expect(worker.group).toBe('talos-upgrade.w');
    }
    expect(groups).toMatchObject({ 'talos-upgrade.w': { limit: 1 }, [REBOOT_GROUP]: { limit: 1 } });
    const gates = actions.filter((a): a is WaitAction => a.kind === 'wait' && a.condition === 'upgrade-gate');
    expect(gates.map((g) => g.address)).toEqual([
      'talos.gate.before-upgrades',
      'talos.gate.control-planes',
      'talos.gate.pool.w',
    ]);
    expect(
      ancestors(actions, 'upgrade:talos.node.cp.1@v1.13.10').has('wait:talos.gate.before-upgrades'),
    ).toBe(true);
  });

  it('the new install image is carried by the upgrade: the config change is applied without a reboot, first', () => {
    const { actions } = planTalos(changedTo(spec({ version: NEW })), [], false);
    const configs = actions.filter((a): a is ApplyConfigAction => a.kind === 'apply-config');
    expect(configs).toHaveLength(6);
    expect(configs.every((c) => c.mode === 'no-reboot' && c.group === undefined)).toBe(true);
    expect(configs[0]?.changes.map((c) => c.path)).toContain('machine.install.image');
    const first = byId(actions, 'upgrade:talos.node.w.2@v1.13.10');
    expect(first?.dependsOn).toContain('apply-config:talos.config.w.2');
  });

  it('without an upgrade the same version change would have been planned as reboots; no observation, no upgrade', () => {
    const input = changedTo(spec({ version: NEW }));
    delete input.versions;
    const { actions } = planTalos(input, [], false);
    expect(upgrades(actions)).toEqual([]);
  });

  it('maxUnavailable lets that many workers of a pool go at once; pools go one after another', () => {
    const target = spec({
      version: NEW,
      workers: [
        { name: 'a', count: 3, maxUnavailable: 2 },
        { name: 'b', count: 2 },
      ],
    });
    const from = spec({
      workers: [
        { name: 'a', count: 3 },
        { name: 'b', count: 2 },
      ],
    });
    const { actions, groups } = planTalos(changedTo(target, from), [], false);
    expect(groups).toMatchObject({ 'talos-upgrade.a': { limit: 2 }, 'talos-upgrade.b': { limit: 1 } });
    const a = upgrades(actions).filter((s) => s.node.startsWith('server.a.'));
    // Within a pool no worker waits for another: the group limit is what holds them back.
    for (const step of a)
      expect([...ancestors(actions, step.id)].some((id) => id.includes('talos.node.a.'))).toBe(false);
    const b1 = ancestors(actions, 'upgrade:talos.node.b.1@v1.13.10');
    expect(b1.has('wait:talos.gate.pool.a')).toBe(true);
    expect(a.every((step) => b1.has(step.id))).toBe(true);
  });

  it('never plans a node that already runs the target (a resumed upgrade skips finished nodes)', () => {
    const versions: Record<string, NodeVersion> = {
      'server.cp.1': { status: 'running', version: NEW },
      'server.cp.2': { status: 'running', version: NEW },
      'server.w.1': { status: 'running', version: NEW },
    };
    const input = changedTo(spec({ version: NEW }), spec(), versions);
    // What a finished upgrade recorded.
    for (const server of ['cp.1', 'cp.2', 'w.1']) {
      const applied = input.applied[`talos.config.${server}`];
      if (applied) applied.installer = installerImage(input.spec, NEW);
    }
    const { actions } = planTalos(input, [], false);
    expect(upgrades(actions).map((s) => s.node)).toEqual(['server.cp.3', 'server.w.2', 'server.w.3']);
  });

  it('a node that did not answer is planned from "unknown" unless hk8s installed the target on it', () => {
    const unknown: NodeVersion = { status: 'unknown', reason: 'the Talos API did not answer' };
    const input = changedTo(spec({ version: NEW }), spec(), { 'server.w.1': unknown, 'server.w.2': unknown });
    const w2 = input.applied['talos.config.w.2'];
    if (w2) w2.installer = installerImage(input.spec, NEW);
    const { actions } = planTalos(input, [], false);
    const w = upgrades(actions).filter((s) => s.role === 'worker');
    expect(w.map((s) => [s.node, s.from])).toEqual([
      ['server.w.1', null],
      ['server.w.3', OLD],
    ]);
    expect(w[0]?.reason).toContain('did not answer');
  });

  it('a new schematic at the same version is one upgrade per node, from the version to itself', () => {
    const { actions } = planTalos(changedTo(spec({ extensions: ['siderolabs/iscsi-tools'] })), [], false);
    const steps = upgrades(actions);
    expect(steps).toHaveLength(6);
    expect(steps.every((s) => s.from === OLD && s.to === OLD)).toBe(true);
    expect(steps[0]?.reason).toBe('the image schematic changed');
    expect(steps[0]?.image).toContain(':v1.13.9');
  });

  it('passes minors one at a time: one step per version of the upgrade path, chained', () => {
    const versions: Record<string, NodeVersion> = { 'server.w.1': { status: 'running', version: 'v1.11.5' } };
    const { actions } = planTalos(
      changedTo(spec({ version: NEW }), spec({ version: NEW }), versions),
      [],
      false,
    );
    const steps = upgrades(actions);
    expect(steps.map((s) => [s.id, s.from, s.to])).toEqual([
      ['upgrade:talos.node.w.1@v1.12.11', 'v1.11.5', 'v1.12.11'],
      ['upgrade:talos.node.w.1@v1.13.10', 'v1.12.11', 'v1.13.10'],
    ]);
    expect(steps[1]?.dependsOn).toContain(steps[0]?.id);
  });

  it('a rebooting config change of a node that is not upgraded waits for the upgrades; of one that is, it is staged', () => {
    const target = spec({ version: NEW });
    const input = changedTo(target);
    // cp.1 already runs the target; all nodes also get a rebooting change (disk encryption).
    input.versions = { ...input.versions, 'server.cp.1': { status: 'running', version: NEW } };
    const cp1 = input.applied['talos.config.cp.1'];
    if (cp1) cp1.installer = installerImage(target, NEW);
    const encrypted = {
      ...target,
      talos: { ...target.talos, encryption: { state: false, ephemeral: true } },
    };
    const { actions } = planTalos({ ...input, spec: encrypted }, [], false);
    const cp1Config = byId(actions, 'apply-config:talos.config.cp.1') as ApplyConfigAction;
    expect(cp1Config.mode).toBe('reboot');
    expect(cp1Config.dependsOn).toContain('upgrade:talos.node.w.3@v1.13.10');
    const w1Config = byId(actions, 'apply-config:talos.config.w.1') as ApplyConfigAction;
    expect(w1Config.mode).toBe('staged');
    expect(byId(actions, 'upgrade:talos.node.w.1@v1.13.10')?.dependsOn).toContain(w1Config.id);
  });

  it('the plan text shows each node upgrade in order with from → to', () => {
    const target = spec({ version: NEW });
    const inputs: PlanInputs = {
      cluster: 'unit',
      command: 'apply',
      specHash: 'x',
      stateHead: { seq: 1, hash: null },
      desired: [],
      observed: [],
      talos: changedTo(target),
    };
    const text = renderPlanText(makePlan(inputs));
    const order = [...text.matchAll(/talos\.node\.(\S+)\s+upgrade/g)].map((m) => m[1]);
    expect(order).toEqual(['cp.1', 'cp.2', 'cp.3', 'w.1', 'w.2', 'w.3']);
    expect(text).toContain(`${OLD} → ${NEW}`);
    expect(text).toContain('6 to upgrade');
    // A saved plan goes stale when a node's observed version moves.
    const moved = {
      ...inputs,
      talos: changedTo(target, spec(), { 'server.w.1': { status: 'running', version: NEW } }),
    };
    expect(inputsHash(moved)).not.toBe(inputsHash(inputs));
  });
});

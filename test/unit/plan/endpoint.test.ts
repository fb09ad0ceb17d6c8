/**
 * The control-plane endpoint: which switches are on (and the public VIP's default), the internal
 * and external endpoints in the reference module's order, the certificate names, the VIP
 * documents (valid for the official schemas, the token only in what goes to the node) and the
 * warning for a single-node endpoint.
 */
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  certSans,
  externalEndpoint,
  internalEndpoint,
  singleNodeEndpoints,
} from '../../../src/plan/talos/endpoint.js';
import { renderNodeConfig, talosNodes, type ClusterFacts } from '../../../src/plan/talos/nodes.js';
import { planTalos, type TalosPlanInput } from '../../../src/plan/talos/plan-talos.js';
import { endpointSwitches } from '../../../src/spec/endpoint.js';
import { resolveNetworkLayout } from '../../../src/spec/network.js';
import type { Spec } from '../../../src/spec/schema.js';
import { validateSpec } from '../../../src/spec/validate.js';
import { tokenFingerprint, validateMachineConfig } from '../../../src/talos/config/index.js';
import { SECRETS } from '../talos/config/fixtures.js';

const TOKEN = 'aVeryRealLookingHetznerToken0123456789abcdefABCDEF0123456789abcd';
const FIP = '198.51.100.7';
const LB_PUBLIC = '198.51.100.20';

interface Shape {
  cps?: number;
  lb?: boolean;
  lbPublic?: boolean;
  publicVip?: boolean;
  privateVip?: boolean;
  hostname?: string;
  access?: 'public' | 'private';
  cpPublicIpv4?: boolean;
  version?: string;
}

function specOf(shape: Shape = {}): Spec {
  return validateSpec({
    cluster: { name: 'ep', ...(shape.access ? { access: shape.access } : {}) },
    firewall: { apiSources: ['127.0.0.1/32'] },
    talos: shape.version ? { version: shape.version } : {},
    controlPlane: {
      pools: [
        {
          name: 'cp',
          location: 'fsn1',
          type: 'cpx22',
          count: shape.cps ?? 3,
          ...(shape.cpPublicIpv4 === false ? { publicIpv4: false } : {}),
        },
      ],
      ...(shape.publicVip !== undefined ? { publicVipIpv4: { enabled: shape.publicVip } } : {}),
      ...(shape.privateVip !== undefined ? { privateVipIpv4: { enabled: shape.privateVip } } : {}),
    },
    workers: { pools: [{ name: 'w', location: 'fsn1', type: 'cpx32', count: 1 }] },
    loadBalancers: {
      kubeApi: {
        enabled: shape.lb ?? false,
        ...(shape.lbPublic !== undefined ? { publicNetwork: shape.lbPublic } : {}),
        ...(shape.hostname ? { hostname: shape.hostname } : {}),
      },
    },
  });
}

/** Every server, the load balancer and the floating IP exist. */
function factsOf(spec: Spec, known: { lb?: boolean; fip?: boolean } = {}): ClusterFacts {
  const facts: ClusterFacts = { servers: {} };
  talosNodes(spec).forEach((n, i) => {
    facts.servers[n.server] = {
      id: String(100 + i),
      ...(n.role === 'controlplane' && spec.controlPlane.pools[0]?.publicIpv4 === false
        ? {}
        : { ipv4: `203.0.113.${10 + i}` }),
      ipv6: `2001:db8:${i}::1`,
      privateIp: `10.0.64.${2 + i}`,
    };
  });
  if (known.lb !== false) facts.kubeApiLbIpv4 = LB_PUBLIC;
  if (known.fip !== false) facts.floatingIpv4 = FIP;
  return facts;
}

describe('the public VIP default', () => {
  it.each([
    { shape: { cps: 1 }, publicVip: false, why: 'one control plane: a VIP would not help' },
    { shape: { cps: 3 }, publicVip: true, why: 'several control planes, nothing else public' },
    { shape: { cps: 3, lb: true }, publicVip: false, why: 'the public load balancer is the endpoint' },
    { shape: { cps: 3, lb: true, lbPublic: false }, publicVip: true, why: 'the load balancer is private' },
    { shape: { cps: 3, access: 'private' as const }, publicVip: false, why: 'access is private' },
    { shape: { cps: 3, publicVip: false }, publicVip: false, why: 'said so' },
    { shape: { cps: 1, publicVip: true }, publicVip: true, why: 'said so' },
  ])('$why', ({ shape, publicVip }) => {
    const on = endpointSwitches(specOf(shape));
    expect(on.publicVip).toBe(publicVip);
    expect(on.publicVipDefaulted).toBe(shape.publicVip === undefined);
    expect(on.privateVip).toBe(true);
  });
});

describe('endpoint rules at validate', () => {
  it('refuses a public VIP for control planes without a public IPv4, naming the pool field', () => {
    expect(() => specOf({ cpPublicIpv4: false })).toThrow(/controlPlane\.pools\[0\]\.publicIpv4/);
    expect(() => specOf({ cpPublicIpv4: false, publicVip: false })).not.toThrow();
  });

  it('refuses existingId with enabled: false', () => {
    expect(() =>
      validateSpec({
        cluster: { name: 'ep' },
        controlPlane: {
          pools: [{ name: 'cp', location: 'fsn1', type: 'cpx22', count: 3 }],
          publicVipIpv4: { enabled: false, existingId: 42 },
        },
      }),
    ).toThrow(/must be true when existingId is set/);
  });
});

describe('endpoint selection', () => {
  it.each([
    {
      name: '3 CPs, defaults',
      shape: {},
      internal: ['private-vip', '10.0.64.126'],
      external: ['floating-ip', FIP],
    },
    {
      name: 'load balancer on',
      shape: { lb: true },
      internal: ['load-balancer', '10.0.64.254'],
      external: ['load-balancer', LB_PUBLIC],
    },
    {
      name: 'private load balancer and the public VIP',
      shape: { lb: true, lbPublic: false },
      internal: ['load-balancer', '10.0.64.254'],
      external: ['floating-ip', FIP],
    },
    {
      name: 'hostname first',
      shape: { lb: true, hostname: 'api.example.com' },
      internal: ['load-balancer', '10.0.64.254'],
      external: ['hostname', 'api.example.com'],
    },
    {
      name: 'private access: the internal address',
      shape: { access: 'private' as const },
      internal: ['private-vip', '10.0.64.126'],
      external: ['private-vip', '10.0.64.126'],
    },
    {
      name: 'everything off: control plane 1',
      shape: { publicVip: false, privateVip: false },
      internal: ['private-ip', '10.0.64.2'],
      external: ['node', '203.0.113.10'],
    },
    {
      name: 'control plane 1 without IPv4: its IPv6',
      shape: { publicVip: false, cpPublicIpv4: false },
      internal: ['private-vip', '10.0.64.126'],
      external: ['node', '2001:db8:0::1'],
    },
  ])('$name', ({ shape, internal, external }) => {
    const spec = specOf(shape);
    const layout = resolveNetworkLayout(spec);
    const facts = factsOf(spec);
    const i = internalEndpoint(spec, layout, facts);
    const e = externalEndpoint(spec, layout, facts);
    expect([i?.source, i?.host]).toEqual(internal);
    expect([e?.source, e?.host]).toEqual(external);
  });

  it('never falls back to a node while the VIP or load balancer has no address yet', () => {
    for (const shape of [{}, { lb: true }]) {
      const spec = specOf(shape);
      const facts = factsOf(spec, { lb: false, fip: false });
      expect(externalEndpoint(spec, resolveNetworkLayout(spec), facts)).toBeUndefined();
    }
  });

  it('puts every endpoint address into the certificates', () => {
    const spec = specOf({ lb: true, lbPublic: true, publicVip: true, hostname: 'api.example.com' });
    const sans = certSans(spec, resolveNetworkLayout(spec), factsOf(spec));
    for (const name of [
      '10.0.64.254',
      LB_PUBLIC,
      '10.0.64.126',
      FIP,
      'api.example.com',
      '203.0.113.10',
      '10.0.64.2',
      '2001:db8:0::1',
      '127.0.0.1',
      'localhost',
    ]) {
      expect(sans).toContain(name);
    }
    // Workers are not endpoints.
    expect(sans).not.toContain('10.0.64.5');
    const plain = specOf({ publicVip: false, privateVip: false });
    const plainSans = certSans(plain, resolveNetworkLayout(plain), factsOf(plain));
    expect(plainSans).not.toContain('10.0.64.126');
    expect(plainSans).not.toContain(FIP);
  });
});

describe('single-node endpoints', () => {
  it.each([
    { shape: {}, warnings: [] },
    { shape: { cps: 1, publicVip: false, privateVip: false }, warnings: [] },
    { shape: { publicVip: false }, warnings: ['external'] },
    { shape: { publicVip: false, privateVip: false }, warnings: ['external', 'internal'] },
    { shape: { lb: true, publicVip: false, privateVip: false }, warnings: [] },
    { shape: { access: 'private' as const, privateVip: false }, warnings: ['external', 'internal'] },
  ])('$shape → $warnings', ({ shape, warnings }) => {
    const found = singleNodeEndpoints(specOf(shape));
    expect(found.map((w) => w.endpoint)).toEqual(warnings);
    for (const w of found) expect(w.node).toBe('server.cp.1');
  });
});

describe('the VIP documents', () => {
  const render = (spec: Spec, role: 'controlplane' | 'worker', token = TOKEN) => {
    const node = talosNodes(spec).find((n) => n.role === role);
    if (!node) throw new Error(`no ${role}`);
    const rendered = renderNodeConfig(
      spec,
      resolveNetworkLayout(spec),
      SECRETS,
      node,
      factsOf(spec),
      undefined,
      token,
    );
    if (!rendered) throw new Error('must render');
    return rendered;
  };

  it.each(['v1.12.11', 'v1.13.9'])('control planes carry one per VIP, valid for Talos %s', (version) => {
    const spec = specOf({ version });
    const { yaml } = render(spec, 'controlplane');
    expect(yaml).toContain(
      `apiVersion: v1alpha1\nkind: HCloudVIPConfig\nname: 10.0.64.126\nlink: eth1\napiToken: ${TOKEN}\n`,
    );
    expect(yaml).toContain(`kind: HCloudVIPConfig\nname: ${FIP}\nlink: eth0\napiToken: ${TOKEN}\n`);
    expect(yaml).toContain('endpoint: https://10.0.64.126:6443');
    for (const role of ['controlplane', 'worker'] as const) {
      const sent = render(spec, role);
      const result = validateMachineConfig({
        version,
        documents: sent.yaml.split('---\n').map((d) => parseYaml(d) as Record<string, unknown>),
      });
      expect(result.errors).toEqual([]);
    }
  });

  it('the schema check sees the VIP documents', () => {
    const { yaml } = render(specOf(), 'controlplane');
    const documents = yaml.split('---\n').map((d) => parseYaml(d) as Record<string, unknown>);
    const vip = documents.find((d) => d.kind === 'HCloudVIPConfig');
    if (!vip) throw new Error('no HCloudVIPConfig');
    vip.link = 7;
    expect(validateMachineConfig({ version: 'v1.13.9', documents }).ok).toBe(false);
  });

  it('workers get none; a control plane with only IPv6 keeps the private VIP on eth1', () => {
    const spec = specOf({ cpPublicIpv4: false, publicVip: false });
    expect(render(spec, 'worker').yaml).not.toContain('HCloudVIPConfig');
    const cp = render(spec, 'controlplane');
    // Still IPv6 there: eth0 is public, so the private link is eth1.
    expect(cp.yaml).toContain('name: 10.0.64.126\nlink: eth1');
  });

  it('records a fingerprint instead of the token, so the hash tells tokens apart', () => {
    const spec = specOf();
    const a = render(spec, 'controlplane');
    const vip = a.config.documents.find((d) => d.kind === 'HCloudVIPConfig');
    expect(vip?.apiToken).toBe(tokenFingerprint(TOKEN));
    expect(JSON.stringify(a.config)).not.toContain(TOKEN);
    expect(render(spec, 'controlplane').hash).toBe(a.hash);
    expect(render(spec, 'controlplane', 'another-token').hash).not.toBe(a.hash);
    expect(render(spec, 'worker', 'another-token').hash).toBe(render(spec, 'worker').hash);
  });

  it('is not rendered without the token (the plan says the value is unknown)', () => {
    const spec = specOf();
    const node = talosNodes(spec)[0];
    if (!node) throw new Error('no node');
    expect(
      renderNodeConfig(spec, resolveNetworkLayout(spec), SECRETS, node, factsOf(spec), undefined, undefined),
    ).toBeUndefined();
  });
});

describe('planning endpoint changes', () => {
  function running(spec: Spec, token = TOKEN, facts = factsOf(spec)): TalosPlanInput {
    const layout = resolveNetworkLayout(spec);
    const applied: TalosPlanInput['applied'] = {};
    for (const node of talosNodes(spec)) {
      const rendered = renderNodeConfig(spec, layout, SECRETS, node, facts, undefined, token);
      if (!rendered) throw new Error('must render');
      const serverId = facts.servers[node.server]?.id ?? '';
      applied[node.config] = { serverId, hash: rendered.hash, config: rendered.config };
    }
    return {
      spec,
      layout,
      secrets: SECRETS,
      facts,
      applied,
      bootstrapped: true,
      kubeconfig: { server: `https://${FIP}:6443` },
      hcloudToken: token,
    };
  }

  it('a rotated token updates the control planes without a reboot, and the plan never holds it', () => {
    const { actions } = planTalos({ ...running(specOf()), hcloudToken: 'rotated-token' }, [], false);
    const configs = actions.filter((a) => a.kind === 'apply-config');
    expect(configs.map((a) => a.address)).toEqual([
      'talos.config.cp.1',
      'talos.config.cp.2',
      'talos.config.cp.3',
    ]);
    for (const a of configs) {
      if (a.kind !== 'apply-config') continue;
      expect(a.mode).toBe('no-reboot');
      expect(a.changes).toEqual([
        { path: 'HCloudVIPConfig(10.0.64.126).apiToken', before: '(sensitive)', after: '(sensitive)' },
        { path: `HCloudVIPConfig(${FIP}).apiToken`, before: '(sensitive)', after: '(sensitive)' },
      ]);
    }
    const text = JSON.stringify(actions);
    expect(text).not.toContain('rotated-token');
    expect(text).not.toContain(TOKEN);
  });

  it('turning the public VIP on: no reboot, the floating IP known after apply, the kubeconfig re-pointed', () => {
    const before = specOf({ publicVip: false });
    const facts = factsOf(before, { fip: false });
    const input = {
      ...running(before, TOKEN, facts),
      kubeconfig: { server: 'https://203.0.113.10:6443' },
      spec: specOf({ publicVip: true }),
    };
    const create = {
      kind: 'create' as const,
      id: 'create:floating_ip.control-plane',
      address: 'floating_ip.control-plane',
      type: 'floating_ip' as const,
      props: {},
      dependsOn: [],
      reason: 'does not exist yet',
    };
    const { actions } = planTalos(input, [create], false);
    const configs = actions.filter((a) => a.kind === 'apply-config');
    expect(configs).toHaveLength(4);
    for (const a of configs) {
      if (a.kind !== 'apply-config') continue;
      expect(a.mode).toBe('no-reboot');
      expect(a.dependsOn).toContain('create:floating_ip.control-plane');
      expect(a.changes.some((c) => c.path === 'machine.certSANs')).toBe(true);
    }
    const cp1 = configs[0];
    expect(cp1?.kind === 'apply-config' && cp1.changes.map((c) => c.path)).toContain(
      'HCloudVIPConfig((known after apply))',
    );
    const repoint = actions.find((a) => a.id === 'update:talos.kubeconfig');
    expect(repoint?.kind === 'update' && [repoint.before, repoint.after]).toEqual([
      { server: 'https://203.0.113.10:6443' },
      { server: null },
    ]);
    expect(repoint?.dependsOn).toEqual(
      expect.arrayContaining(['create:floating_ip.control-plane', ...configs.map((a) => a.id)]),
    );
  });

  it('re-points the kubeconfig when the endpoint moved, and leaves it when it did not', () => {
    const spec = specOf();
    expect(planTalos(running(spec), [], false).actions).toEqual([]);
    const moved = { ...running(spec), kubeconfig: { server: 'https://203.0.113.10:6443' } };
    const actions = planTalos(moved, [], false).actions;
    expect(actions.map((a) => a.id)).toEqual(['update:talos.kubeconfig']);
    const update = actions[0];
    expect(update?.kind === 'update' && update.after).toEqual({ server: `https://${FIP}:6443` });
  });
});

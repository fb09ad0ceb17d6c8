import { describe, expect, it } from 'vitest';
import { validateSpec, SpecValidationError } from '../../../src/spec/validate.js';
import { ExitCode } from '../../../src/errors.js';
import { BASE, issuesOf } from './helpers.js';

describe('defaults', () => {
  it('fills every default for the smallest spec', () => {
    const spec = validateSpec({
      cluster: { name: 'demo' },
      controlPlane: { pools: [{ name: 'cp', location: 'fsn1', type: 'cpx22' }] },
    });
    expect(spec.apiVersion).toBe('hk8s.io/v1alpha1');
    expect(spec.cluster).toEqual({
      name: 'demo',
      domain: 'cluster.local',
      access: 'public',
      deleteProtection: true,
      healthcheck: true,
    });
    expect(spec.hcloud.token).toEqual({ env: 'HCLOUD_TOKEN' });
    expect(spec.network.ipv4Cidr).toBe('10.0.0.0/16');
    expect(spec.controlPlane.pools[0]).toEqual({
      name: 'cp',
      location: 'fsn1',
      type: 'cpx22',
      count: 1,
      labels: {},
      annotations: {},
      taints: [],
      backups: false,
      keepDisk: false,
      placementGroup: true,
    });
    // Resolved by endpointSwitches (on with more than one control plane): not a schema default.
    expect(spec.controlPlane.publicVipIpv4.enabled).toBeUndefined();
    expect(spec.controlPlane.privateVipIpv4.enabled).toBe(true);
    expect(spec.workers).toEqual({ pools: [], configPatches: [] });
    expect(spec.autoscaler.chart).toEqual({
      repository: 'https://kubernetes.github.io/autoscaler',
      name: 'cluster-autoscaler',
      version: '9.53.0',
    });
    expect(spec.autoscaler.imageTag).toBe('v1.34.5');
    expect(spec.loadBalancers.kubeApi).toEqual({ enabled: false, type: 'lb11', algorithm: 'round_robin' });
    expect(spec.loadBalancers.ingress.healthCheck).toEqual({ interval: 3, retries: 3, timeout: 3 });
    expect(spec.loadBalancers.ingress.algorithm).toBe('least_connections');
    expect(spec.talos.version).toBe('v1.13.9');
    expect(spec.talos.nameservers).toEqual([
      '185.12.64.1',
      '185.12.64.2',
      '2a01:4ff:ff00::add:1',
      '2a01:4ff:ff00::add:2',
    ]);
    expect(spec.talos.ntpServers).toEqual(['ntp1.hetzner.de', 'ntp2.hetzner.com', 'ntp3.hetzner.net']);
    expect(spec.talos.applyMode).toBe('auto');
    expect(spec.talos.discovery).toEqual({ kubernetes: false, service: true });
    expect(spec.kubernetes.version).toBe('v1.34.10');
    expect(spec.kubernetes.oidc.groupsPrefix).toBe('oidc:');
  });

  it('keeps open objects (values, registries, extraConfig, patches) as written', () => {
    const spec = validateSpec({
      cluster: { name: 'demo' },
      controlPlane: {
        pools: [{ name: 'cp', location: 'fsn1', type: 'cpx22' }],
        configPatches: [{ machine: { x: 1 } }],
      },
      talos: { registries: { mirrors: { 'docker.io': { endpoints: ['https://m'] } } } },
      kubernetes: { kubelet: { extraConfig: { anyKey: true } } },
      addons: { 'acme-logging': { values: { whatever: { deep: [1] } } } },
    });
    expect(spec.controlPlane.configPatches).toEqual([{ machine: { x: 1 } }]);
    expect(spec.talos.registries).toEqual({ mirrors: { 'docker.io': { endpoints: ['https://m'] } } });
    expect(spec.kubernetes.kubelet.extraConfig).toEqual({ anyKey: true });
    expect(spec.addons['acme-logging']).toEqual({ values: { whatever: { deep: [1] } } });
  });
});

interface RuleCase {
  name: string;
  yaml: string;
  path: string;
  message: string | RegExp;
  line: number;
}

const cp = (count: number, name = 'cp', location = 'fsn1') =>
  `    - name: ${name}\n      location: ${location}\n      type: cpx22\n      count: ${count}\n`;

const RULES: RuleCase[] = [
  {
    name: 'location outside the allowed set',
    yaml: `cluster:\n  name: demo\ncontrolPlane:\n  pools:\n    - name: cp\n      location: fra1\n      type: cpx22\n`,
    path: 'controlPlane.pools[0].location',
    message: 'must be one of fsn1, nbg1, hel1, ash, hil, sin',
    line: 6,
  },
  {
    name: 'no control plane at all',
    yaml: `cluster:\n  name: demo\ncontrolPlane:\n  pools:\n${cp(0)}`,
    path: 'controlPlane.pools',
    message:
      'total control-plane count must be between 1 and 9 (odd: 1, 3, 5, 7 or 9, unless planned with --force); it is 0',
    line: 4,
  },
  {
    name: 'more than nine control planes',
    yaml: `cluster:\n  name: demo\ncontrolPlane:\n  pools:\n${cp(11)}`,
    path: 'controlPlane.pools',
    message:
      'total control-plane count must be between 1 and 9 (odd: 1, 3, 5, 7 or 9, unless planned with --force); it is 11',
    line: 4,
  },
  {
    name: 'more than 100 servers',
    yaml: `${BASE}workers:\n  pools:\n    - name: w\n      location: fsn1\n      type: cpx22\n      count: 100\n`,
    path: 'workers.pools',
    message: 'control planes and workers together must be at most 100 servers; they are 101',
    line: 9,
  },
  {
    name: 'duplicate pool name across kinds',
    yaml: `${BASE}workers:\n  pools:\n    - name: cp\n      location: fsn1\n      type: cpx22\n`,
    path: 'workers.pools[0].name',
    message: /pool name cp is already used by controlPlane\.pools\[0\]/,
    line: 10,
  },
  {
    name: 'cluster and pool names too long',
    yaml: `cluster:\n  name: ${'a'.repeat(32)}\ncontrolPlane:\n  pools:\n    - name: ${'b'.repeat(25)}\n      location: fsn1\n      type: cpx22\n`,
    path: 'controlPlane.pools[0].name',
    message: /at most 56 characters .*; they are 57/,
    line: 5,
  },
  {
    name: 'bad pool name',
    yaml: `cluster:\n  name: demo\ncontrolPlane:\n  pools:\n    - name: Control_Plane\n      location: fsn1\n      type: cpx22\n`,
    path: 'controlPlane.pools[0].name',
    message: /lowercase letters, digits and -/,
    line: 5,
  },
  {
    name: 'bad cluster name',
    yaml: `cluster:\n  name: -demo\ncontrolPlane:\n  pools:\n${cp(1)}`,
    path: 'cluster.name',
    message: /1 to 32 lowercase letters/,
    line: 2,
  },
  {
    name: 'taint without effect',
    yaml: `cluster:\n  name: demo\ncontrolPlane:\n  pools:\n    - name: cp\n      location: fsn1\n      type: cpx22\n      taints:\n        - dedicated=db\n`,
    path: 'controlPlane.pools[0].taints[0]',
    message: /key\[=value\]:Effect/,
    line: 9,
  },
  {
    name: 'invalid network CIDR',
    yaml: `${BASE}network:\n  ipv4Cidr: 10.0.0.1/16\n`,
    path: 'network.ipv4Cidr',
    message: /IPv4 network in CIDR notation/,
    line: 9,
  },
  {
    name: 'node range outside the network',
    yaml: `${BASE}network:\n  nodeIpv4Cidr: 10.1.64.0/19\n`,
    path: 'network.nodeIpv4Cidr',
    message: 'the node range 10.1.64.0/19 must lie inside the network 10.0.0.0/16',
    line: 9,
  },
  {
    name: 'service range overlapping nodes',
    yaml: `${BASE}network:\n  serviceIpv4Cidr: 10.0.64.0/20\n`,
    path: 'network.serviceIpv4Cidr',
    message: /overlaps the node or pod range/,
    line: 9,
  },
  {
    name: 'pod range outside the native-routing range',
    yaml: `${BASE}network:\n  podIpv4Cidr: 10.200.0.0/16\n`,
    path: 'network.nativeRoutingIpv4Cidr',
    message: /must contain the pod range 10\.200\.0\.0\/16/,
    line: 8,
  },
  {
    name: 'worker subnet not a pinned slot',
    yaml: `${BASE}workers:\n  pools:\n    - name: w\n      location: fsn1\n      type: cpx22\n      subnet: 10.0.80.0/25\n`,
    path: 'workers.pools[0].subnet',
    message: /must be one of the reserved pinned subnets \(10\.0\.65\.0\/25 … 10\.0\.79\.128\/25\)/,
    line: 13,
  },
  {
    name: 'tcp rule without port',
    yaml: `${BASE}firewall:\n  extraRules:\n    - direction: in\n      protocol: tcp\n`,
    path: 'firewall.extraRules[0].port',
    message: 'a tcp rule needs a port (80, 30000-32767 or any)',
    line: 10,
  },
  {
    name: 'icmp rule with port',
    yaml: `${BASE}firewall:\n  extraRules:\n    - direction: in\n      protocol: icmp\n      port: '80'\n`,
    path: 'firewall.extraRules[0].port',
    message: 'a icmp rule cannot have a port; remove it',
    line: 12,
  },
  {
    name: 'in rule with destinations',
    yaml: `${BASE}firewall:\n  extraRules:\n    - direction: in\n      protocol: tcp\n      port: '22'\n      destinationIps: [10.0.0.0/8]\n`,
    path: 'firewall.extraRules[0].destinationIps',
    message: 'an in rule takes only sourceIps; remove destinationIps',
    line: 13,
  },
  {
    name: 'out rule with sources',
    yaml: `${BASE}firewall:\n  extraRules:\n    - direction: out\n      protocol: udp\n      port: '53'\n      sourceIps: [10.0.0.0/8]\n`,
    path: 'firewall.extraRules[0].sourceIps',
    message: 'an out rule takes only destinationIps; remove sourceIps',
    line: 13,
  },
  {
    name: 'bad port range',
    yaml: `${BASE}firewall:\n  extraRules:\n    - direction: in\n      protocol: tcp\n      port: '90-80'\n`,
    path: 'firewall.extraRules[0].port',
    message: 'must be a port 1-65535, a range like 30000-32767, or any',
    line: 12,
  },
  {
    name: 'health check timeout above interval',
    yaml: `${BASE}loadBalancers:\n  ingress:\n    healthCheck:\n      interval: 3\n      timeout: 5\n`,
    path: 'loadBalancers.ingress.healthCheck.timeout',
    message: 'must be at most the interval (3); it is 5',
    line: 12,
  },
  {
    name: 'autoscaler max below min',
    yaml: `${BASE}autoscaler:\n  enabled: true\n  pools:\n    - name: as\n      location: fsn1\n      type: cpx22\n      min: 3\n      max: 2\n`,
    path: 'autoscaler.pools[0].max',
    message: 'must be at least min (3); it is 2',
    line: 15,
  },
  {
    name: 'autoscaler pools while disabled',
    yaml: `${BASE}autoscaler:\n  pools:\n    - name: as\n      location: fsn1\n      type: cpx22\n      max: 2\n`,
    path: 'autoscaler.enabled',
    message: 'must be true when autoscaler pools are listed',
    line: 8,
  },
  {
    name: 'pool outside the network zone',
    yaml: `${BASE}workers:\n  pools:\n    - name: w\n      location: ash\n      type: cpx22\n`,
    path: 'workers.pools[0].location',
    message: /location ash is in network zone us-east, but the cluster network is in eu-central/,
    line: 11,
  },
  {
    name: 'oidc without issuer',
    yaml: `${BASE}kubernetes:\n  oidc:\n    enabled: true\n    clientId: k8s\n`,
    path: 'kubernetes.oidc.issuerUrl',
    message: 'is required when oidc is enabled',
    line: 9,
  },
  {
    name: 'wrong type',
    yaml: `cluster:\n  name: demo\ncontrolPlane:\n  pools:\n    - name: cp\n      location: fsn1\n      type: cpx22\n      count: three\n`,
    path: 'controlPlane.pools[0].count',
    message: 'must be a number, not a string',
    line: 8,
  },
  {
    name: 'missing required field (points at the parent)',
    yaml: `cluster:\n  domain: cluster.local\ncontrolPlane:\n  pools:\n${cp(1)}`,
    path: 'cluster.name',
    message: 'is required',
    line: 1,
  },
];

describe('validation rules', () => {
  it('accepts the base spec', () => {
    expect(issuesOf(BASE)).toEqual([]);
  });

  it.each(RULES)('$name', ({ yaml, path, message, line }) => {
    const issues = issuesOf(yaml);
    const issue = issues.find((candidate) => candidate.path === path);
    expect(issue, JSON.stringify(issues)).toBeDefined();
    if (typeof message === 'string') expect(issue?.message).toBe(message);
    else expect(issue?.message).toMatch(message);
    expect(issue?.line).toBe(line);
  });
});

describe('unknown fields', () => {
  it.each([
    [`cluster:\n  nmae: demo\n`, 'cluster.nmae', 'unknown field nmae; did you mean name?', 2],
    [
      `${BASE}talos:\n  verison: v1.13.9\n`,
      'talos.verison',
      'unknown field verison; did you mean version?',
      9,
    ],
    [
      `${BASE}netwrok:\n  ipv4Cidr: 10.0.0.0/16\n`,
      'netwrok',
      'unknown field netwrok; did you mean network?',
      8,
    ],
    [
      `cluster:\n  name: demo\ncontrolPlane:\n  pools:\n    - name: cp\n      location: fsn1\n      type: cpx22\n      cuont: 3\n`,
      'controlPlane.pools[0].cuont',
      'unknown field cuont; did you mean count?',
      8,
    ],
  ])('%#: reports %s with a suggestion', (yaml, path, message, line) => {
    const issue = issuesOf(yaml).find((candidate) => candidate.path === path);
    expect(issue).toMatchObject({ path, message, line });
  });

  it('lists the allowed fields when nothing is close', () => {
    const issue = issuesOf(`${BASE}hcloud:\n  zzzzzzzz: 1\n`).find(
      (candidate) => candidate.path === 'hcloud.zzzzzzzz',
    );
    expect(issue?.message).toBe('unknown field zzzzzzzz; allowed fields are token, endpoint');
  });
});

describe('the Hetzner token', () => {
  it('rejects an inline token with a hint to use env or file', () => {
    const issues = issuesOf(`${BASE}hcloud:\n  token: abcdef0123456789\n`);
    expect(issues).toEqual([
      {
        path: 'hcloud.token',
        line: 9,
        column: 3,
        message:
          'an inline token is not allowed, so that it never lands in a committed file; use { env: HCLOUD_TOKEN } or { file: ./path } instead',
      },
    ]);
  });

  it.each([[{ env: 'MY_TOKEN' }], [{ file: './token' }]])('accepts %j', (token) => {
    const spec = validateSpec({
      cluster: { name: 'demo' },
      hcloud: { token },
      controlPlane: { pools: [{ name: 'cp', location: 'fsn1', type: 'cpx22' }] },
    });
    expect(spec.hcloud.token).toEqual(token);
  });

  it('rejects both env and file at once', () => {
    const issues = issuesOf(`${BASE}hcloud:\n  token:\n    env: A\n    file: b\n`);
    expect(issues[0]).toMatchObject({ path: 'hcloud.token', message: /exactly one of them/ });
  });
});

describe('SpecValidationError', () => {
  it('carries the code, exit code, where and every issue', () => {
    let caught: unknown;
    try {
      validateSpec(
        {
          cluster: { name: 'demo' },
          controlPlane: { pools: [{ name: 'cp', location: 'fra1', type: 'cpx22', count: 2 }] },
        },
        undefined,
      );
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SpecValidationError);
    const error = caught as SpecValidationError;
    expect(error.code).toBe('spec.invalid');
    expect(error.exitCode).toBe(ExitCode.INVALID_SPEC);
    expect(error.where).toBe('controlPlane.pools[0].location');
    expect(error.message).toBe(
      'controlPlane.pools[0].location: must be one of fsn1, nbg1, hel1, ash, hil, sin',
    );
    expect(error.hint).toMatch(/docs\/spec\.md/);
  });

  it('rejects an empty document', () => {
    expect(() => validateSpec(null)).toThrow(/the spec is empty/);
  });
});

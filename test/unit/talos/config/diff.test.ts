import { describe, expect, it } from 'vitest';
import {
  SENSITIVE,
  applyModeFor,
  applyModeForPath,
  buildMachineConfig,
  configDiff,
  type MachineConfig,
} from '../../../../src/talos/config/index.js';
import type { Spec } from '../../../../src/spec/schema.js';
import type { TalosSecrets } from '../../../../src/talos/secrets-types.js';
import { SECRETS, exampleSpec, nodeInput } from './fixtures.js';

async function ha(): Promise<Spec> {
  return exampleSpec('ha');
}

async function build(change: (spec: Spec) => Spec = (spec) => spec, secrets: TalosSecrets = SECRETS) {
  const input = nodeInput(change(await ha()), 'controlplane');
  return buildMachineConfig({ ...input, secrets });
}

const ROTATED: TalosSecrets = {
  ...SECRETS,
  trustdInfo: { token: 'zzz999.0000000000000000' },
  secrets: { ...SECRETS.secrets, secretboxEncryptionSecret: 'cm90YXRlZA==' },
  certs: { ...SECRETS.certs, etcd: { crt: 'new etcd crt', key: 'new etcd key' } },
};

describe('configDiff', () => {
  it('is empty for equal configs', async () => {
    expect(configDiff(await build(), await build())).toEqual([]);
  });

  it('shows secret changes as (sensitive), never their values', async () => {
    const diff = configDiff(await build(), await build(undefined, ROTATED));
    const paths = diff.map((change) => change.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'machine.token',
        'cluster.secretboxEncryptionSecret',
        'cluster.etcd.ca.key',
        'cluster.etcd.ca.crt',
      ]),
    );
    for (const change of diff.filter((entry) => entry.path !== 'cluster.etcd.ca.crt')) {
      expect(change).toEqual({ path: change.path, before: SENSITIVE, after: SENSITIVE });
    }
    const text = JSON.stringify(diff);
    for (const secret of [
      ROTATED.trustdInfo.token,
      SECRETS.trustdInfo.token,
      'cm90YXRlZA==',
      Buffer.from('new etcd key').toString('base64'),
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it('field paths for the main document, Kind(name) for typed ones, quoted odd keys', async () => {
    const before = await build();
    const after = await build((spec) => ({
      ...spec,
      talos: {
        ...spec.talos,
        extraRoutes: ['192.168.0.0/16'],
        encryption: { state: true, ephemeral: false },
      },
      controlPlane: {
        ...spec.controlPlane,
        pools: spec.controlPlane.pools.map((pool) => ({ ...pool, labels: { 'example.com/tier': 'gold' } })),
      },
    }));
    const diff = configDiff(before, after);
    expect(diff).toContainEqual({ path: 'machine.nodeLabels["example.com/tier"]', after: 'gold' });
    expect(diff).toContainEqual({
      path: 'LinkConfig(eth1).routes',
      after: [{ destination: '192.168.0.0/16', gateway: '10.0.0.1', metric: 512 }],
    });
    const removed = diff.find((change) => change.path === 'VolumeConfig(EPHEMERAL)');
    expect(removed?.after).toBeUndefined();
    expect(removed?.before).toMatchObject({ encryption: { provider: 'luks2' } });
  });

  it('redacts secrets inside documents added as a whole', async () => {
    const before: MachineConfig = await build();
    const vip = {
      apiVersion: 'v1alpha1',
      kind: 'HCloudVIPConfig',
      name: '10.0.64.126',
      link: 'eth1',
      apiToken: 'hcloud-token-value',
    };
    const after: MachineConfig = { ...before, documents: [...before.documents, vip] };
    const diff = configDiff(before, after);
    expect(diff).toEqual([
      { path: 'HCloudVIPConfig(10.0.64.126)', after: { link: 'eth1', apiToken: SENSITIVE } },
    ]);
  });
});

describe('applyModeFor', () => {
  it('a new install image (Talos version or schematic) means a reboot', async () => {
    const diff = configDiff(
      await build(),
      await build((spec) => ({ ...spec, talos: { ...spec.talos, version: 'v1.13.10' } })),
    );
    expect(diff.map((change) => change.path)).toEqual(['machine.install.image']);
    expect(applyModeFor(diff)).toBe('reboot');
  });

  it('a node label change applies live', async () => {
    const diff = configDiff(
      await build(),
      await build((spec) => ({
        ...spec,
        controlPlane: {
          ...spec.controlPlane,
          pools: spec.controlPlane.pools.map((pool) => ({ ...pool, labels: { tier: 'a' } })),
        },
      })),
    );
    expect(diff).toEqual([{ path: 'machine.nodeLabels.tier', after: 'a' }]);
    expect(applyModeFor(diff)).toBe('no-reboot');
  });

  it('one change that needs a reboot makes the whole apply a reboot', () => {
    expect(applyModeFor([])).toBe('no-reboot');
    expect(
      applyModeFor([{ path: 'machine.kubelet.extraArgs.max-pods' }, { path: 'cluster.apiServer.image' }]),
    ).toBe('no-reboot');
    expect(
      applyModeFor([{ path: 'machine.kubelet.image' }, { path: 'VolumeConfig(STATE).encryption' }]),
    ).toBe('reboot');
  });

  it.each([
    ['machine.install.disk', 'reboot'],
    ['machine.type', 'reboot'],
    ['machine.files', 'reboot'],
    ['machine.features.diskQuotaSupport', 'reboot'],
    ['machine.features.hostDNS.enabled', 'no-reboot'],
    ['machine.nodeTaints.dedicated', 'no-reboot'],
    ['machine.nodeLabels["example.com/tier"]', 'no-reboot'],
    ['machine.sysctls["net.core.somaxconn"]', 'no-reboot'],
    ['machine.certSANs', 'no-reboot'],
    ['machine.certSANsExtra', 'reboot'],
    ['cluster.network.cni', 'no-reboot'],
    ['debug', 'no-reboot'],
    ['HostnameConfig.hostname', 'no-reboot'],
    ['LinkConfig(eth1).mtu', 'no-reboot'],
    ['ResolverConfig.nameservers', 'no-reboot'],
    ['VolumeConfig(EPHEMERAL)', 'reboot'],
    ['RegistryAuthConfig(ghcr.io).password', 'reboot'],
    ['SomeFutureConfig(x)', 'reboot'],
  ] as const)('%s → %s', (path, mode) => {
    expect(applyModeForPath(path)).toBe(mode);
  });
});

/* eslint-disable @typescript-eslint/no-explicit-any -- the tests read untyped config documents */
import { describe, expect, it } from 'vitest';
import {
  buildMachineConfig,
  validateMachineConfig,
  type MachineConfig,
} from '../../../../src/talos/config/index.js';
import type { Spec } from '../../../../src/spec/schema.js';
import { exampleSpec, nodeInput } from './fixtures.js';

type Doc = Record<string, any>;
type Patches = Spec['workers']['configPatches'];

function main(config: MachineConfig): Doc {
  return config.documents[0] as Doc;
}

function withPatches(spec: Spec, role: 'controlPlane' | 'workers', patches: unknown[]): Spec {
  return { ...spec, [role]: { ...spec[role], configPatches: patches as Patches } };
}

async function ha(): Promise<Spec> {
  return exampleSpec('ha');
}

describe('strategic-merge patches', () => {
  it('merge into the main document after everything hk8s generates', async () => {
    const spec = withPatches(await ha(), 'workers', [
      {
        machine: {
          kubelet: { extraArgs: { 'rotate-server-certificates': 'false', 'max-pods': '200' } },
          certSANs: ['extra.example.com'],
          install: { wipe: true },
        },
        cluster: { network: { podSubnets: ['10.200.0.0/16'] } },
      },
    ]);
    const config = main(buildMachineConfig(nodeInput(spec, 'worker')));
    expect(config.machine.kubelet.extraArgs).toEqual({
      'cloud-provider': 'external',
      'rotate-server-certificates': 'false',
      'max-pods': '200',
    });
    expect(config.machine.certSANs).toContain('extra.example.com');
    expect(config.machine.certSANs).toContain('localhost'); // lists are extended…
    expect(config.cluster.network.podSubnets).toEqual(['10.200.0.0/16']); // …except subnets, replaced
    expect(config.machine.install.wipe).toBe(true);
    expect(config.machine.install.disk).toBe('/dev/sda');
  });

  it('apply only to their role', async () => {
    const spec = withPatches(await ha(), 'controlPlane', [
      { machine: { sysctls: { 'vm.max_map_count': '262144' } } },
    ]);
    expect(
      main(buildMachineConfig(nodeInput(spec, 'controlplane'))).machine.sysctls['vm.max_map_count'],
    ).toBe('262144');
    expect(main(buildMachineConfig(nodeInput(spec, 'worker'))).machine.sysctls).not.toHaveProperty(
      'vm.max_map_count',
    );
  });

  it('patch, add and delete typed documents; delete keys', async () => {
    const spec = withPatches(await ha(), 'workers', [
      { apiVersion: 'v1alpha1', kind: 'LinkConfig', name: 'eth1', mtu: 1400 },
      { apiVersion: 'v1alpha1', kind: 'VolumeConfig', name: 'EPHEMERAL', $patch: 'delete' },
      {
        apiVersion: 'v1alpha1',
        kind: 'TrustedRootsConfig',
        name: 'corp',
        certificates: '-----BEGIN CERTIFICATE-----',
      },
      { machine: { features: { hostDNS: { $patch: 'delete' } } } },
    ]);
    const config = buildMachineConfig(nodeInput(spec, 'worker'));
    const link = config.documents.find(
      (document) => document.kind === 'LinkConfig' && document.name === 'eth1',
    );
    expect(link).toMatchObject({ mtu: 1400, up: true });
    const volumes = config.documents.filter((document) => document.kind === 'VolumeConfig');
    expect(volumes.map((volume) => volume.name)).toEqual(['STATE']);
    expect(config.documents.at(-1)).toEqual({
      apiVersion: 'v1alpha1',
      kind: 'TrustedRootsConfig',
      name: 'corp',
      certificates: '-----BEGIN CERTIFICATE-----',
    });
    expect(main(config).machine.features).not.toHaveProperty('hostDNS');
    expect(validateMachineConfig(config).errors).toEqual([]);
  });

  it('admission plugins merge by name', async () => {
    const spec = withPatches(await ha(), 'controlPlane', [
      {
        cluster: {
          apiServer: {
            admissionControl: [
              { name: 'PodSecurity', configuration: { defaults: { enforce: 'restricted' } } },
            ],
          },
        },
      },
    ]);
    const admission = main(buildMachineConfig(nodeInput(spec, 'controlplane'))).cluster.apiServer
      .admissionControl;
    expect(admission).toHaveLength(1);
    expect(admission[0].configuration.defaults.enforce).toBe('restricted');
    expect(admission[0].configuration.defaults.audit).toBe('restricted');
  });

  it('a typed patch without apiVersion is a spec error pointing at it', async () => {
    const spec = withPatches(await ha(), 'workers', [{}, { kind: 'LinkConfig', name: 'eth1' }]);
    expect(() => buildMachineConfig(nodeInput(spec, 'worker'))).toThrowError(
      expect.objectContaining({ code: 'spec.invalid', where: 'workers.configPatches[1]' }),
    );
  });
});

describe('RFC 6902 JSON patches', () => {
  it('apply to the main document, last, in order', async () => {
    const spec = withPatches(await ha(), 'workers', [
      [
        { op: 'replace', path: '/machine/install/disk', value: '/dev/nvme0n1' },
        { op: 'add', path: '/machine/kubelet/extraArgs/max-pods', value: '250' },
        { op: 'remove', path: '/machine/features/kubePrism' },
      ],
      { machine: { kubelet: { extraArgs: { 'max-pods': '300' } } } },
    ]);
    const config = main(buildMachineConfig(nodeInput(spec, 'worker')));
    expect(config.machine.install.disk).toBe('/dev/nvme0n1');
    expect(config.machine.kubelet.extraArgs['max-pods']).toBe('300');
    expect(config.machine.features).not.toHaveProperty('kubePrism');
  });

  it('a failing operation is a spec error naming the patch', async () => {
    const spec = withPatches(await ha(), 'workers', [
      [{ op: 'replace', path: '/machine/nope/deeper', value: 1 }],
    ]);
    expect(() => buildMachineConfig(nodeInput(spec, 'worker'))).toThrowError(
      expect.objectContaining({ code: 'spec.invalid', where: 'workers.configPatches[0]' }),
    );
    const test = withPatches(await ha(), 'workers', [
      [{ op: 'test', path: '/machine/type', value: 'controlplane' }],
    ]);
    expect(() => buildMachineConfig(nodeInput(test, 'worker'))).toThrowError(
      expect.objectContaining({ code: 'spec.invalid' }),
    );
  });

  it('a patch that is neither a list nor an object is rejected', async () => {
    const spec = withPatches(await ha(), 'workers', ['machine: {}']);
    expect(() => buildMachineConfig(nodeInput(spec, 'worker'))).toThrowError(/must be an object/);
  });
});

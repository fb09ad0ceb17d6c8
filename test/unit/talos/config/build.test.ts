/* eslint-disable @typescript-eslint/no-explicit-any -- the tests read untyped config documents */
import { describe, expect, it } from 'vitest';
import { Hk8sError } from '../../../../src/errors.js';
import {
  buildMachineConfig,
  machineConfigYaml,
  schematicIdOf,
  type ConfigDocument,
  type MachineConfig,
} from '../../../../src/talos/config/index.js';
import type { Spec } from '../../../../src/spec/schema.js';
import { PRIVATE_KEYS_BASE64, SECRETS, b64, exampleSpec, nodeInput, withWorkerPool } from './fixtures.js';

type Doc = Record<string, any>;

function main(config: MachineConfig): Doc {
  return config.documents[0] as Doc;
}

function docs(config: MachineConfig, kind: string): ConfigDocument[] {
  return config.documents.filter((document) => document.kind === kind);
}

function doc(config: MachineConfig, kind: string, name?: string): Doc | undefined {
  return docs(config, kind).find((document) => name === undefined || document.name === name) as
    Doc | undefined;
}

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

async function ha(): Promise<Spec> {
  return exampleSpec('ha');
}

function withTalos(spec: Spec, talos: Partial<Spec['talos']>): Spec {
  return { ...spec, talos: { ...spec.talos, ...talos } };
}

function withCilium(spec: Spec, cilium: Partial<Spec['addons']['cilium']>): Spec {
  return {
    ...spec,
    addons: { ...spec.addons, cilium: { ...spec.addons.cilium, ...cilium } } as Spec['addons'],
  };
}

describe('secrets land where Talos expects them', () => {
  it('a control plane carries every CA with its key, base64-encoded, and the tokens', async () => {
    const config = main(buildMachineConfig(nodeInput(await ha(), 'controlplane')));
    const { certs } = SECRETS;
    expect(config.machine.token).toBe(SECRETS.trustdInfo.token);
    expect(config.machine.ca).toEqual({ crt: b64(certs.os.crt), key: b64(certs.os.key) });
    expect(config.cluster.id).toBe(SECRETS.cluster.id);
    expect(config.cluster.secret).toBe(SECRETS.cluster.secret);
    expect(config.cluster.token).toBe(SECRETS.secrets.bootstrapToken);
    expect(config.cluster.secretboxEncryptionSecret).toBe(SECRETS.secrets.secretboxEncryptionSecret);
    expect(config.cluster.ca).toEqual({ crt: b64(certs.k8s.crt), key: b64(certs.k8s.key) });
    expect(config.cluster.aggregatorCA).toEqual({
      crt: b64(certs.k8sAggregator.crt),
      key: b64(certs.k8sAggregator.key),
    });
    expect(config.cluster.serviceAccount).toEqual({ key: b64(certs.k8sServiceAccount.key) });
    expect(config.cluster.etcd.ca).toEqual({ crt: b64(certs.etcd.crt), key: b64(certs.etcd.key) });
  });

  it('a worker gets the CA certificates without keys and no control-plane secrets', async () => {
    const config = buildMachineConfig(nodeInput(await ha(), 'worker'));
    const worker = main(config);
    expect(worker.machine.ca).toEqual({ crt: b64(SECRETS.certs.os.crt), key: '' });
    expect(worker.cluster.ca).toEqual({ crt: b64(SECRETS.certs.k8s.crt), key: '' });
    expect(worker.machine.token).toBe(SECRETS.trustdInfo.token);
    expect(worker.cluster.token).toBe(SECRETS.secrets.bootstrapToken);
    for (const field of [
      'secretboxEncryptionSecret',
      'aggregatorCA',
      'serviceAccount',
      'etcd',
      'apiServer',
    ]) {
      expect(worker.cluster).not.toHaveProperty(field);
    }
    const yaml = machineConfigYaml(config);
    for (const key of PRIVATE_KEYS_BASE64) expect(yaml).not.toContain(key);
    expect(yaml).not.toContain('PRIVATE KEY');
    expect(yaml).not.toContain(SECRETS.secrets.secretboxEncryptionSecret);
  });
});

describe('CNI and kube-proxy follow the Cilium addon', () => {
  it.each([
    [true, true, 'none', { disabled: true }],
    [true, false, 'none', 'image'],
    [false, true, undefined, 'image'],
  ] as const)('cilium %s, kube-proxy replacement %s', async (enabled, kpr, cni, proxy) => {
    const spec = withCilium(await ha(), { enabled, kubeProxyReplacement: kpr });
    const config = main(buildMachineConfig(nodeInput(spec, 'controlplane')));
    expect(config.cluster.network.cni?.name).toBe(cni);
    if (proxy === 'image')
      expect(config.cluster.proxy).toEqual({ image: 'registry.k8s.io/kube-proxy:v1.34.10' });
    else expect(config.cluster.proxy).toEqual(proxy);
  });
});

describe('system volume encryption', () => {
  it.each([
    [true, true, ['STATE', 'EPHEMERAL']],
    [true, false, ['STATE']],
    [false, true, ['EPHEMERAL']],
    [false, false, []],
  ] as const)('state %s, ephemeral %s', async (state, ephemeral, names) => {
    const spec = withTalos(await ha(), { encryption: { state, ephemeral } });
    const volumes = docs(buildMachineConfig(nodeInput(spec, 'worker')), 'VolumeConfig');
    expect(volumes.map((volume) => volume.name)).toEqual(names);
    for (const volume of volumes) {
      expect(volume.encryption).toEqual({
        provider: 'luks2',
        keys: [{ slot: 0, nodeID: {} }],
        options: ['no_read_workqueue', 'no_write_workqueue'],
      });
    }
  });
});

describe('node identity, network and kubelet', () => {
  it('hostname, pool labels, node id and taints', async () => {
    const spec = await ha();
    const config = buildMachineConfig(
      nodeInput(spec, 'worker', { pool: 'memory', hostname: 'prod-memory-1' }),
    );
    expect(doc(config, 'HostnameConfig')).toMatchObject({ hostname: 'prod-memory-1', auto: 'off' });
    const machine = main(config).machine;
    expect(machine.nodeLabels).toEqual({ nodeid: '4711', nodepool: 'memory', workload: 'memory' });
    expect(machine.kubelet.extraConfig.registerWithTaints).toEqual([
      { key: 'workload', value: 'memory', effect: 'NoSchedule' },
    ]);
    expect(machine).not.toHaveProperty('nodeTaints');
    expect(machine.kubelet.extraArgs).toEqual({
      'cloud-provider': 'external',
      'rotate-server-certificates': 'true',
    });
    expect(machine.kubelet.nodeIP).toEqual({ validSubnets: ['10.0.64.0/19'] });
    expect(machine.kubelet.extraConfig.systemReserved).toEqual({
      cpu: '100m',
      memory: '300Mi',
      'ephemeral-storage': '1Gi',
    });
  });

  it('control planes: reservations, taint and load-balancer exclusion unless schedulable', async () => {
    const tainted = main(buildMachineConfig(nodeInput(await ha(), 'controlplane'))).machine;
    expect(tainted.kubelet.extraConfig.kubeReserved.cpu).toBe('250m');
    expect(tainted.kubelet.extraConfig.registerWithTaints).toEqual([
      { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' },
    ]);
    expect(tainted.nodeLabels['node.kubernetes.io/exclude-from-external-load-balancers']).toBe('');
    expect(tainted.features.kubernetesTalosAPIAccess.allowedRoles).toEqual(['os:reader', 'os:etcd:backup']);
    const minimal = main(buildMachineConfig(nodeInput(await exampleSpec('minimal'), 'controlplane')));
    expect(minimal.cluster.allowSchedulingOnControlPlanes).toBe(true);
    expect(minimal.machine.kubelet.extraConfig).not.toHaveProperty('registerWithTaints');
    expect(minimal.machine.nodeLabels).not.toHaveProperty(
      'node.kubernetes.io/exclude-from-external-load-balancers',
    );
  });

  it('public and private links on Hetzner', async () => {
    const spec = withTalos(await ha(), { extraRoutes: ['0.0.0.0/0', '192.168.0.0/16'] });
    const both = buildMachineConfig(nodeInput(spec, 'worker'));
    expect(docs(both, 'LinkConfig').map((link) => link.name)).toEqual(['eth0', 'eth1']);
    expect(docs(both, 'DHCPv4Config').map((dhcp) => dhcp.name)).toEqual(['eth0', 'eth1']);
    expect(doc(both, 'LinkConfig', 'eth1')).toEqual({
      apiVersion: 'v1alpha1',
      kind: 'LinkConfig',
      name: 'eth1',
      up: true,
      mtu: 1450,
      routes: [
        { gateway: '10.0.0.1', metric: 512 },
        { destination: '192.168.0.0/16', gateway: '10.0.0.1', metric: 512 },
      ],
    });
    const ipv6Only = buildMachineConfig(nodeInput(spec, 'worker', { publicIpv4: undefined }));
    expect(docs(ipv6Only, 'DHCPv4Config').map((dhcp) => dhcp.name)).toEqual(['eth1']);
    const privateOnly = buildMachineConfig(
      nodeInput(spec, 'worker', { publicIpv4: undefined, publicIpv6: undefined }),
    );
    expect(docs(privateOnly, 'LinkConfig').map((link) => link.name)).toEqual(['eth0']);
    expect(doc(privateOnly, 'LinkConfig', 'eth0')?.mtu).toBe(1450);
  });

  it('resolvers, time servers and static hosts', async () => {
    const spec = withTalos(await ha(), {
      ipv6: false,
      staticHosts: [{ ip: '10.0.64.254', hostnames: ['api.internal'] }],
    });
    const config = buildMachineConfig(nodeInput(spec, 'worker'));
    expect(doc(config, 'ResolverConfig')?.nameservers).toEqual([
      { address: '185.12.64.1' },
      { address: '185.12.64.2' },
    ]);
    expect(doc(config, 'TimeSyncConfig')?.ntp).toEqual({
      servers: ['ntp1.hetzner.de', 'ntp2.hetzner.com', 'ntp3.hetzner.net'],
    });
    expect(docs(config, 'StaticHostConfig')).toEqual([
      {
        apiVersion: 'v1alpha1',
        kind: 'StaticHostConfig',
        name: '10.0.64.254',
        hostnames: ['api.internal', 'kube.example.com'],
      },
    ]);
    expect(main(config).machine.sysctls['net.ipv6.conf.all.disable_ipv6']).toBe('1');
  });

  it('install image from the Image Factory with qemu-guest-agent, extensions and kernel args', async () => {
    const spec = withTalos(await ha(), {
      extensions: ['siderolabs/iscsi-tools'],
      extraKernelArgs: ['quiet'],
    });
    const image = main(buildMachineConfig(nodeInput(spec, 'worker'))).machine.install.image;
    const id = schematicIdOf({
      extraKernelArgs: ['quiet'],
      officialExtensions: ['siderolabs/iscsi-tools', 'siderolabs/qemu-guest-agent'],
    });
    expect(image).toBe(`factory.talos.dev/hcloud-installer/${id}:v1.13.9`);
    const pinned = withTalos(spec, { schematicId: 'a'.repeat(64) });
    expect(main(buildMachineConfig(nodeInput(pinned, 'worker'))).machine.install.image).toBe(
      `factory.talos.dev/hcloud-installer/${'a'.repeat(64)}:v1.13.9`,
    );
  });

  it('registries become typed documents with PEM text', async () => {
    const ca = '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n';
    const spec = withTalos(await ha(), {
      registries: {
        mirrors: { 'docker.io': { endpoints: ['https://mirror.example.com'], skipFallback: true } },
        config: { 'mirror.example.com': { auth: { username: 'u', password: 'p' }, tls: { ca: b64(ca) } } },
      },
    });
    const config = buildMachineConfig(nodeInput(spec, 'worker'));
    expect(doc(config, 'RegistryMirrorConfig')).toMatchObject({
      name: 'docker.io',
      endpoints: [{ url: 'https://mirror.example.com' }],
      skipFallback: true,
    });
    expect(doc(config, 'RegistryAuthConfig')).toMatchObject({
      name: 'mirror.example.com',
      username: 'u',
      password: 'p',
    });
    expect(doc(config, 'RegistryTLSConfig')).toMatchObject({ name: 'mirror.example.com', ca });
    const broken = withTalos(spec, { registries: { mirrors: { 'docker.io': { endpoints: 'https://x' } } } });
    expect(() => buildMachineConfig(nodeInput(broken, 'worker'))).toThrowError(
      expect.objectContaining({
        code: 'spec.invalid',
        where: 'talos.registries.mirrors.docker.io.endpoints',
      }),
    );
  });

  it('never carries empty sections', async () => {
    const config = buildMachineConfig(nodeInput(await exampleSpec('minimal'), 'controlplane'));
    const empties: string[] = [];
    const walk = (value: unknown, path: string) => {
      if (Array.isArray(value)) value.forEach((item, index) => walk(item, `${path}[${index}]`));
      else if (typeof value === 'object' && value !== null) {
        const entries = Object.entries(value);
        if (entries.length === 0 && !path.endsWith('nodeID')) empties.push(path);
        for (const [key, item] of entries) {
          if (Array.isArray(item) && item.length === 0 && !path.includes('admissionControl'))
            empties.push(`${path}.${key}`);
          walk(item, `${path}.${key}`);
        }
      }
    };
    config.documents.forEach((document, index) => walk(document, `#${index}`));
    expect(empties).toEqual([]);
  });
});

describe('versions', () => {
  it('an unknown Talos minor is a spec error naming the supported ones', async () => {
    const spec = withTalos(await ha(), { version: 'v1.11.6' });
    const error = thrown(() => buildMachineConfig(nodeInput(spec, 'worker')));
    expect(error).toBeInstanceOf(Hk8sError);
    expect(error).toMatchObject({ code: 'spec.invalid', where: 'talos.version' });
    expect((error as Hk8sError).hint).toMatch(/v1\.12, v1\.13/);
  });

  it('a Kubernetes version the Talos minor cannot run is a spec error', async () => {
    const base = await ha();
    const spec = { ...base, kubernetes: { ...base.kubernetes, version: 'v1.36.1' } };
    expect(() =>
      buildMachineConfig(nodeInput(withTalos(spec, { version: 'v1.12.11' }), 'worker')),
    ).toThrowError(expect.objectContaining({ code: 'spec.invalid', where: 'kubernetes.version' }));
    expect(() =>
      buildMachineConfig(nodeInput(withTalos(spec, { version: 'v1.13.9' }), 'worker')),
    ).not.toThrow();
  });

  it('the config records its Talos version', async () => {
    const spec = withTalos(await ha(), { version: 'v1.12.11' });
    expect(buildMachineConfig(nodeInput(spec, 'worker')).version).toBe('v1.12.11');
  });
});

describe('determinism', () => {
  it('equal input gives byte-equal YAML, whatever the order of map keys', async () => {
    const spec = withWorkerPool(await exampleSpec('full'));
    const first = machineConfigYaml(buildMachineConfig(nodeInput(spec, 'controlplane')));
    const shuffled: Spec = {
      ...spec,
      talos: {
        ...spec.talos,
        sysctls: Object.fromEntries(Object.entries({ a: '1', ...spec.talos.sysctls }).reverse()),
      },
    };
    const again = machineConfigYaml(buildMachineConfig(nodeInput(structuredClone(spec), 'controlplane')));
    expect(again).toBe(first);
    const reordered = machineConfigYaml(buildMachineConfig(nodeInput(shuffled, 'controlplane')));
    const withA = machineConfigYaml(
      buildMachineConfig(
        nodeInput(
          { ...spec, talos: { ...spec.talos, sysctls: { ...spec.talos.sysctls, a: '1' } } },
          'controlplane',
        ),
      ),
    );
    expect(reordered).toBe(withA);
  });

  it('the YAML has one document per entry and no anchors', async () => {
    const config = buildMachineConfig(nodeInput(await ha(), 'controlplane'));
    const yaml = machineConfigYaml(config);
    expect(yaml.split(/^---$/m)).toHaveLength(config.documents.length);
    expect(yaml).not.toMatch(/[&*]a\d/);
  });
});

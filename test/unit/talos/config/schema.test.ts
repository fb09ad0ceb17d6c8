/* eslint-disable @typescript-eslint/no-explicit-any -- the tests read untyped config documents */
import { describe, expect, it } from 'vitest';
import {
  buildMachineConfig,
  validateMachineConfig,
  type MachineConfig,
} from '../../../../src/talos/config/index.js';
import type { Spec } from '../../../../src/spec/schema.js';
import { EXAMPLES, exampleSpec, nodeInput, withWorkerPool } from './fixtures.js';

const VERSIONS = ['v1.12.11', 'v1.13.9'] as const;
const ROLES = ['controlplane', 'worker'] as const;

function atVersion(spec: Spec, version: string): Spec {
  return { ...spec, talos: { ...spec.talos, version } };
}

describe('generated configs validate against the official schema', () => {
  const cases = EXAMPLES.flatMap((example) =>
    VERSIONS.flatMap((version) => ROLES.map((role) => [example, version, role] as const)),
  );
  it.each(cases)('%s, Talos %s, %s', async (example, version, role) => {
    const spec = atVersion(withWorkerPool(await exampleSpec(example)), version);
    const result = validateMachineConfig(buildMachineConfig(nodeInput(spec, role)));
    expect(result.errors).toEqual([]);
    expect(result.ok).toBe(true);
  });
});

async function baseConfig(version = 'v1.13.9'): Promise<MachineConfig> {
  return buildMachineConfig(nodeInput(atVersion(await exampleSpec('minimal'), version), 'controlplane'));
}

function withMain(config: MachineConfig, change: (main: Record<string, any>) => void): MachineConfig {
  const copy = structuredClone(config);
  change(copy.documents[0] as Record<string, any>);
  return copy;
}

describe('the validator rejects what the schema rejects', () => {
  it('fields removed from the schema (machine.network in 1.13, install.extraKernelArgs)', async () => {
    const config = withMain(await baseConfig(), (main) => {
      main.machine.network = { hostname: 'x' };
      main.machine.install.extraKernelArgs = ['quiet'];
    });
    const result = validateMachineConfig(config);
    expect(result.ok).toBe(false);
    expect(result.errors.join('\n')).toMatch(/must NOT have additional properties \(network\)/);
    expect(result.errors.join('\n')).toMatch(/\/machine\/install.*\(extraKernelArgs\)/);
  });

  it('pattern violations in typed documents name the document', async () => {
    const config = structuredClone(await baseConfig());
    const link = config.documents.find((document) => document.kind === 'LinkConfig');
    if (!link) throw new Error('no LinkConfig');
    link.routes = [{ destination: 'not-a-cidr', gateway: '10.0.0.1' }];
    const result = validateMachineConfig(config);
    expect(result.ok).toBe(false);
    expect(
      result.errors.some((error) => error.includes('LinkConfig(') && error.includes('/routes/0/destination')),
    ).toBe(true);
  });

  it('a kind the version does not have (KubeSpanConfig is new in 1.13)', async () => {
    const kubespan = { apiVersion: 'v1alpha1', kind: 'KubeSpanConfig', enabled: true };
    const old = await baseConfig('v1.12.11');
    const current = await baseConfig('v1.13.9');
    expect(validateMachineConfig({ ...old, documents: [...old.documents, kubespan] }).errors).toEqual([
      expect.stringMatching(/Talos v1\.12 has no document kind KubeSpanConfig/),
    ]);
    expect(validateMachineConfig({ ...current, documents: [...current.documents, kubespan] }).ok).toBe(true);
  });

  it('repeated documents and a missing v1alpha1 document', async () => {
    const config = await baseConfig();
    const hostname = config.documents.find((document) => document.kind === 'HostnameConfig');
    if (!hostname) throw new Error('no HostnameConfig');
    const twice = validateMachineConfig({ ...config, documents: [...config.documents, hostname] });
    expect(twice.errors.join('\n')).toMatch(/appears twice/);
    const headless = validateMachineConfig({ ...config, documents: config.documents.slice(1) });
    expect(headless.errors.join('\n')).toMatch(/exactly one v1alpha1 document; it has 0/);
  });

  it('an unsupported Talos version is an error, not a crash', async () => {
    const config = await baseConfig();
    const result = validateMachineConfig({ ...config, version: 'v1.9.0' });
    expect(result.ok).toBe(false);
    expect(result.errors[0]).toMatch(/talos\.version: Talos v1\.9\.0 is not supported/);
  });

  it('persist, which Talos accepts but the schema lacks, is ignored', async () => {
    const config = withMain(await baseConfig(), (main) => {
      main.persist = true;
    });
    expect(validateMachineConfig(config).errors).toEqual([]);
  });
});

describe('schema quirks are undone, and the hidden values still checked', () => {
  it('logging endpoints are URLs for Talos, objects for the schema', async () => {
    const good = withMain(await baseConfig(), (main) => {
      main.machine.logging = { destinations: [{ endpoint: 'udp://10.0.0.9:5514', format: 'json_lines' }] };
    });
    expect(validateMachineConfig(good).errors).toEqual([]);
    const bad = withMain(good, (main) => {
      main.machine.logging.destinations[0].endpoint = 'http://10.0.0.9/';
    });
    expect(validateMachineConfig(bad).errors).toEqual([
      expect.stringMatching(/logging\/destinations\/0\/endpoint: must be a tcp:\/\/ or udp:\/\/ URL/),
    ]);
  });

  it('1.12 encryption options are checked item by item', async () => {
    const config = structuredClone(await baseConfig('v1.12.11'));
    expect(validateMachineConfig(config).ok).toBe(true);
    const volume = config.documents.find((document) => document.kind === 'VolumeConfig') as Record<
      string,
      any
    >;
    volume.encryption.options = ['no_read_workqueue', 'bogus'];
    expect(validateMachineConfig(config).errors).toEqual([
      expect.stringMatching(/VolumeConfig\(STATE\)\) \/encryption\/options\/1: must be one of/),
    ]);
  });

  it('RegistryTLSConfig clientIdentity.cert (what Talos parses) passes', async () => {
    const config = await baseConfig();
    const tls = {
      apiVersion: 'v1alpha1',
      kind: 'RegistryTLSConfig',
      name: 'registry.example.com',
      clientIdentity: { cert: '-----BEGIN CERTIFICATE-----', key: '-----BEGIN EC PRIVATE KEY-----' },
    };
    expect(validateMachineConfig({ ...config, documents: [...config.documents, tls] }).errors).toEqual([]);
  });
});

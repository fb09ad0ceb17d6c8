/** Hand-made secrets and node facts for config tests: PEM-shaped text, no real keys. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSpec } from '../../../../src/spec/load.js';
import type { Spec } from '../../../../src/spec/schema.js';
import type { TalosSecrets } from '../../../../src/talos/secrets-types.js';
import type { BuildMachineConfigInput, NodeRole } from '../../../../src/talos/config/index.js';

export const EXAMPLES_DIR = fileURLToPath(new URL('../../../../examples/', import.meta.url));

function pem(label: string, body: string): string {
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

export const SECRETS: TalosSecrets = {
  cluster: {
    id: 'Y2x1c3Rlci1pZC1mb3ItdGVzdHMtMDEyMzQ1Njc4OWFiY2Q=',
    secret: 'Y2x1c3Rlci1zZWNyZXQtdGVzdC12YWx1ZS0wMTIzNDU=',
  },
  secrets: {
    bootstrapToken: 'abc123.0123456789abcdef',
    secretboxEncryptionSecret: 'c2VjcmV0Ym94LWVuY3J5cHRpb24tc2VjcmV0LXRlc3Q=',
  },
  trustdInfo: { token: 'def456.fedcba9876543210' },
  certs: {
    etcd: { crt: pem('CERTIFICATE', 'ETCDCACERT'), key: pem('EC PRIVATE KEY', 'ETCDCAKEY') },
    k8s: { crt: pem('CERTIFICATE', 'K8SCACERT'), key: pem('EC PRIVATE KEY', 'K8SCAKEY') },
    k8sAggregator: { crt: pem('CERTIFICATE', 'AGGREGATORCERT'), key: pem('EC PRIVATE KEY', 'AGGREGATORKEY') },
    k8sServiceAccount: { key: pem('RSA PRIVATE KEY', 'SERVICEACCOUNTKEY') },
    os: { crt: pem('CERTIFICATE', 'OSCACERT'), key: pem('ED25519 PRIVATE KEY', 'OSCAKEY') },
  },
};

/** Every private key of the fixture, as the config carries it (base64 of the PEM). */
export const PRIVATE_KEYS_BASE64 = [
  SECRETS.certs.etcd.key,
  SECRETS.certs.k8s.key,
  SECRETS.certs.k8sAggregator.key,
  SECRETS.certs.k8sServiceAccount.key,
  SECRETS.certs.os.key,
].map((key) => Buffer.from(key).toString('base64'));

export function b64(text: string): string {
  return Buffer.from(text).toString('base64');
}

export async function exampleSpec(name: string): Promise<Spec> {
  return (await loadSpec({ cwd: EXAMPLES_DIR, file: `${name}.yaml` })).spec;
}

/** Input for the first pool of the role (a worker falls back to the control-plane pool's spec). */
export function nodeInput(
  spec: Spec,
  role: NodeRole,
  overrides: Partial<BuildMachineConfigInput['node']> = {},
) {
  const pool =
    role === 'controlplane' ? spec.controlPlane.pools[0]?.name : (spec.workers.pools[0]?.name ?? 'general');
  const input: BuildMachineConfigInput = {
    spec,
    secrets: SECRETS,
    node: {
      role,
      hostname: `${spec.cluster.name}-${pool}-1`,
      pool: pool ?? 'missing',
      serverId: '4711',
      publicIpv4: '203.0.113.10',
      publicIpv6: '2001:db8::1',
      privateIpv4: role === 'controlplane' ? '10.0.64.2' : '10.0.80.2',
      ...overrides,
    },
    cluster: {
      endpoint: 'https://10.0.64.254:6443',
      certSANs: ['10.0.64.254', '10.0.64.2', '127.0.0.1', 'localhost'],
    },
  };
  return input;
}

/** A spec with a worker pool, so that both roles can be built from any example. */
export function withWorkerPool(spec: Spec): Spec {
  if (spec.workers.pools.length > 0) return spec;
  const first = spec.controlPlane.pools[0];
  if (!first) throw new Error('example without a control-plane pool');
  return {
    ...spec,
    workers: {
      ...spec.workers,
      pools: [{ ...first, name: 'general', count: 1, upgrade: { maxUnavailable: 1, maxSurge: 0 } }],
    },
  };
}

export const EXAMPLES = ['minimal', 'ha', 'full'] as const;
export const HERE = path.dirname(fileURLToPath(import.meta.url));

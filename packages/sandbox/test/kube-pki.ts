/**
 * Test-only PKI and machine configs for the Kubernetes sandbox tests (copied from the repository's
 * test/support/talos-ca.ts and extended): an ed25519 OS CA, an ECDSA P-256 Kubernetes CA, Talos
 * client certificates with roles, Kubernetes client certificates (CN user, O groups).
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { stringify } from 'yaml';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export interface PemPair {
  crt: string;
  key: string;
}

export interface TestPki {
  os: PemPair;
  k8s: PemPair;
}

const ED25519 = { name: 'Ed25519' } as const;
const P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
type Alg = typeof ED25519 | typeof P256;

function serial(): string {
  const b = randomBytes(12);
  b[0] = (b[0] ?? 0) & 0x7f;
  return b.toString('hex');
}

async function keyPem(key: webcrypto.CryptoKey, alg: Alg): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const object = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  if (alg === P256) return object.export({ format: 'pem', type: 'sec1' }).toString();
  return object.export({ format: 'pem', type: 'pkcs8' }).toString();
}

async function selfSignedCa(alg: Alg, organization: string): Promise<PemPair> {
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `O=${organization}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 10 * 365 * 86_400_000),
    signingAlgorithm: alg,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign, true),
    ],
  });
  return { crt: cert.toString('pem'), key: await keyPem(keys.privateKey, alg) };
}

export async function createTestPki(): Promise<TestPki> {
  return { os: await selfSignedCa(ED25519, 'talos'), k8s: await selfSignedCa(P256, 'kubernetes') };
}

async function clientCert(ca: PemPair, alg: Alg, subject: string): Promise<PemPair> {
  const caKey = await webcrypto.subtle.importKey(
    'pkcs8',
    createPrivateKey(ca.key).export({ format: 'der', type: 'pkcs8' }),
    alg,
    false,
    ['sign'],
  );
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: new x509.X509Certificate(ca.crt).subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    signingAlgorithm: alg,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
    ],
  });
  return { crt: cert.toString('pem'), key: await keyPem(keys.privateKey, alg) };
}

/** A talosctl-style client certificate (ed25519, one O per role). */
export function talosClientCert(pki: TestPki, roles: string[]): Promise<PemPair> {
  return clientCert(pki.os, ED25519, roles.map((r) => `O=${r}`).join(', '));
}

/** A Kubernetes client certificate from `ca` (default: the cluster's CA) for CN=user, O=groups. */
export function kubeClientCert(ca: PemPair, user: string, groups: string[]): Promise<PemPair> {
  return clientCert(ca, P256, [`CN=${user}`, ...groups.map((g) => `O=${g}`)].join(', '));
}

export interface ConfigOptions {
  type: 'controlplane' | 'worker';
  clusterId: string;
  clusterName: string;
  endpoint: string;
  kubernetesVersion?: string;
  nodeLabels?: Record<string, string>;
  nodeTaints?: Record<string, string>;
  /** Control-plane component images other than `registry.k8s.io/kube-apiserver:<version>`. */
  images?: Partial<Record<'apiServer' | 'controllerManager' | 'scheduler' | 'proxy', string>>;
  certSANs?: string[];
  /** Typed documents appended after HostnameConfig (HCloudVIPConfig, …). */
  documents?: object[];
}

function componentImages(images: NonNullable<ConfigOptions['images']>): Record<string, { image: string }> {
  return Object.fromEntries(Object.entries(images).map(([key, image]) => [key, { image }]));
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** A minimal Talos 1.13 machine config (v1alpha1 + HostnameConfig) that passes the official schema. */
export function machineConfig(pki: TestPki, options: ConfigOptions): string {
  const cp = options.type === 'controlplane';
  const k8s = options.kubernetesVersion ?? 'v1.32.4';
  const main = {
    version: 'v1alpha1',
    debug: false,
    persist: true,
    machine: {
      type: options.type,
      token: 'abcdef.0123456789abcdef',
      ca: { crt: b64(pki.os.crt), key: cp ? b64(pki.os.key) : '' },
      certSANs: options.certSANs ?? [],
      kubelet: { image: `ghcr.io/siderolabs/kubelet:${k8s}` },
      ...(options.nodeLabels ? { nodeLabels: options.nodeLabels } : {}),
      ...(options.nodeTaints ? { nodeTaints: options.nodeTaints } : {}),
      install: { disk: '/dev/sda', image: 'ghcr.io/siderolabs/installer:v1.13.9', wipe: false },
    },
    cluster: {
      id: options.clusterId,
      secret: 'c2VjcmV0',
      controlPlane: { endpoint: options.endpoint },
      clusterName: options.clusterName,
      network: {
        dnsDomain: 'cluster.local',
        podSubnets: ['10.244.0.0/16'],
        serviceSubnets: ['10.96.0.0/12'],
      },
      token: 'ghijkl.0123456789abcdef',
      ca: { crt: b64(pki.k8s.crt), key: cp ? b64(pki.k8s.key) : '' },
      ...(cp ? { apiServer: { image: `registry.k8s.io/kube-apiserver:${k8s}` } } : {}),
      ...(cp ? componentImages(options.images ?? {}) : {}),
    },
  };
  const hostname = { apiVersion: 'v1alpha1', kind: 'HostnameConfig', auto: 'stable' };
  return [main, hostname, ...(options.documents ?? [])].map((d) => stringify(d)).join('---\n');
}

/**
 * Test-only PKI and machine configs for the Talos integration tests: an ed25519 OS CA (O=talos), an
 * ECDSA P-256 Kubernetes CA, client certificates carrying roles, and a minimal 1.13-style config.
 * Independent of the production PKI in src/providers/talos/pki/.
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
  /** OS CA; the key is labelled `ED25519 PRIVATE KEY`, as Talos writes it. */
  os: PemPair;
  /** Kubernetes CA; the key is SEC1 `EC PRIVATE KEY`. */
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
  return object
    .export({ format: 'pem', type: 'pkcs8' })
    .toString()
    .replace(/-----(BEGIN|END) PRIVATE KEY-----/g, '-----$1 ED25519 PRIVATE KEY-----');
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
      new x509.ExtendedKeyUsageExtension([
        x509.ExtendedKeyUsage.serverAuth,
        x509.ExtendedKeyUsage.clientAuth,
      ]),
    ],
  });
  return { crt: cert.toString('pem'), key: await keyPem(keys.privateKey, alg) };
}

export async function createTestPki(): Promise<TestPki> {
  return { os: await selfSignedCa(ED25519, 'talos'), k8s: await selfSignedCa(P256, 'kubernetes') };
}

/** A talosctl-style client certificate: ed25519, no CN, one Organization per role, clientAuth. */
export async function clientCertificate(osCa: PemPair, roles: string[]): Promise<PemPair> {
  const caKeyObject = createPrivateKey(osCa.key.replace(/ED25519 PRIVATE KEY/g, 'PRIVATE KEY'));
  const der = caKeyObject.export({ format: 'der', type: 'pkcs8' });
  const caKey = await webcrypto.subtle.importKey('pkcs8', der, ED25519, false, ['sign']);
  const caCert = new x509.X509Certificate(osCa.crt);
  const keys = (await webcrypto.subtle.generateKey(ED25519, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: roles.map((r) => `O=${r}`).join(', ') || 'O=none',
    issuer: caCert.subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    signingAlgorithm: ED25519,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
    ],
  });
  return { crt: cert.toString('pem'), key: await keyPem(keys.privateKey, ED25519) };
}

export interface ConfigOptions {
  type: 'controlplane' | 'worker';
  clusterId?: string;
  clusterName?: string;
  endpoint?: string;
  installImage?: string;
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** A minimal Talos 1.13 machine config (v1alpha1 + HostnameConfig) that passes the official schema. */
export function machineConfig(pki: TestPki, options: ConfigOptions): string {
  const cp = options.type === 'controlplane';
  const main = {
    version: 'v1alpha1',
    debug: false,
    persist: true,
    machine: {
      type: options.type,
      token: 'abcdef.0123456789abcdef',
      ca: { crt: b64(pki.os.crt), key: cp ? b64(pki.os.key) : '' },
      certSANs: [],
      kubelet: { image: 'ghcr.io/siderolabs/kubelet:v1.36.3' },
      install: {
        disk: '/dev/sda',
        image: options.installImage ?? 'ghcr.io/siderolabs/installer:v1.13.9',
        wipe: false,
      },
    },
    cluster: {
      id: options.clusterId ?? 'test-cluster-id',
      secret: 'c2VjcmV0',
      controlPlane: { endpoint: options.endpoint ?? 'https://10.0.1.100:6443' },
      clusterName: options.clusterName ?? 'test',
      network: {
        dnsDomain: 'cluster.local',
        podSubnets: ['10.244.0.0/16'],
        serviceSubnets: ['10.96.0.0/12'],
      },
      token: 'ghijkl.0123456789abcdef',
      ca: { crt: b64(pki.k8s.crt), key: cp ? b64(pki.k8s.key) : '' },
    },
  };
  const hostname = { apiVersion: 'v1alpha1', kind: 'HostnameConfig', auto: 'stable' };
  return `${stringify(main)}---\n${stringify(hostname)}`;
}

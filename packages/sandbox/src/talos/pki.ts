/**
 * The simulated node's own certificate issuance (@peculiar/x509 over WebCrypto): a self-signed
 * maintenance certificate, the apid server certificate from the config's OS CA, and the admin
 * client certificate of the kubeconfig from the Kubernetes CA. Leaf keys follow the CA's algorithm.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createPrivateKey, randomBytes, webcrypto, type KeyObject } from 'node:crypto';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

type Algorithm =
  | { name: 'Ed25519' }
  | { name: 'ECDSA'; namedCurve: 'P-256'; hash: 'SHA-256' }
  | {
      name: 'RSASSA-PKCS1-v1_5';
      hash: 'SHA-256';
      publicExponent: Uint8Array;
      modulusLength: number;
    };

const ED25519 = { name: 'Ed25519' } as const;
const P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface IssuedPair {
  /** PEM certificate. */
  cert: string;
  /** PEM private key (PKCS#8 `PRIVATE KEY`, or SEC1 `EC PRIVATE KEY` when `sec1` was asked). */
  key: string;
}

export interface SigningCa {
  cert: x509.X509Certificate;
  key: CryptoKey;
  algorithm: Algorithm;
  pem: string;
}

/** Talos writes ed25519 keys under a label OpenSSL does not know; the bytes are PKCS#8. */
function normalizeKeyPem(pem: string): string {
  return pem.replace(/-----(BEGIN|END) ED25519 PRIVATE KEY-----/g, '-----$1 PRIVATE KEY-----');
}

function algorithmOf(key: KeyObject): Algorithm {
  // eslint-disable-next-line @typescript-eslint/switch-exhaustiveness-check -- Node's key types are an open set; the default refuses the rest
  switch (key.asymmetricKeyType) {
    case 'ed25519':
      return ED25519;
    case 'ec':
      return P256;
    case 'rsa':
      return {
        name: 'RSASSA-PKCS1-v1_5',
        hash: 'SHA-256',
        publicExponent: new Uint8Array([1, 0, 1]),
        modulusLength: 2048,
      };
    default:
      throw new Error(`unsupported CA key type ${String(key.asymmetricKeyType)}`);
  }
}

/** Imports a CA from PEM (any label Talos uses); throws with a readable message when broken. */
export async function loadCa(certPem: string, keyPem: string): Promise<SigningCa> {
  const cert = new x509.X509Certificate(certPem);
  const keyObject = createPrivateKey(normalizeKeyPem(keyPem));
  const algorithm = algorithmOf(keyObject);
  const der = keyObject.export({ format: 'der', type: 'pkcs8' });
  const key = await webcrypto.subtle.importKey('pkcs8', der, algorithm, false, ['sign']);
  return { cert, key: key as CryptoKey, algorithm, pem: cert.toString('pem') };
}

async function generate(algorithm: Algorithm): Promise<CryptoKeyPair> {
  const usages: webcrypto.KeyUsage[] = ['sign', 'verify'];
  return (await webcrypto.subtle.generateKey(algorithm, true, usages)) as CryptoKeyPair;
}

async function exportKey(key: CryptoKey, sec1: boolean): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const object = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  if (sec1 && object.asymmetricKeyType === 'ec')
    return object.export({ format: 'pem', type: 'sec1' }).toString();
  return object.export({ format: 'pem', type: 'pkcs8' }).toString();
}

function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}

function validity(hours: number): { notBefore: Date; notAfter: Date } {
  const notBefore = new Date(Date.now() - 60_000);
  return { notBefore, notAfter: new Date(notBefore.getTime() + hours * 3_600_000) };
}

function sans(ips: string[], dns: string[]): x509.SubjectAlternativeNameExtension {
  return new x509.SubjectAlternativeNameExtension([
    ...ips.map((value) => ({ type: 'ip' as const, value })),
    ...dns.map((value) => ({ type: 'dns' as const, value })),
  ]);
}

/** Maintenance mode: a self-signed ed25519 certificate for the node's addresses. */
export async function selfSignedServerCert(ips: string[], hostname: string): Promise<IssuedPair> {
  const keys = await generate(ED25519);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${hostname}`,
    ...validity(24),
    signingAlgorithm: ED25519,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      sans(ips, [hostname]),
    ],
  });
  return { cert: cert.toString('pem'), key: await exportKey(keys.privateKey, false) };
}

async function issue(
  ca: SigningCa,
  subject: string,
  usage: 'server' | 'client',
  hours: number,
  extra: x509.Extension[],
  sec1: boolean,
): Promise<IssuedPair> {
  const keys = await generate(ca.algorithm);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: ca.cert.subject,
    ...validity(hours),
    signingAlgorithm: ca.algorithm,
    publicKey: keys.publicKey,
    signingKey: ca.key,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([
        usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth,
      ]),
      ...extra,
    ],
  });
  return { cert: cert.toString('pem'), key: await exportKey(keys.privateKey, sec1) };
}

/** apid's server certificate: 24 h, SANs = the node's addresses + certSANs + hostname. */
export function issueServerCert(
  ca: SigningCa,
  ips: string[],
  dns: string[],
  hostname: string,
): Promise<IssuedPair> {
  return issue(ca, `CN=${hostname}`, 'server', 24, [sans(ips, dns)], false);
}

/** The kubeconfig's admin client certificate: CN=admin, O=system:masters. */
export function issueAdminCert(ca: SigningCa, hours: number): Promise<IssuedPair> {
  return issue(ca, 'CN=admin, O=system:masters', 'client', hours, [], true);
}

/** Organizations (roles) of a peer certificate's subject as Node reports it. */
export function organizations(subject: unknown): string[] {
  const o = (subject as { O?: string | string[] } | undefined)?.O;
  if (o === undefined) return [];
  return Array.isArray(o) ? o : [o];
}

/**
 * What a certificate says, in plain values, for tests and `hk8s status`; and whether one
 * certificate was issued by another.
 */
import { X509Certificate as NodeX509Certificate } from 'node:crypto';
import { x509 } from './x509.js';

export type KeyUsageName =
  | 'digitalSignature'
  | 'nonRepudiation'
  | 'keyEncipherment'
  | 'dataEncipherment'
  | 'keyAgreement'
  | 'keyCertSign'
  | 'cRLSign'
  | 'encipherOnly'
  | 'decipherOnly';

export interface CertificateInfo {
  /** RFC 4514-style, e.g. `O=talos`; empty string for an empty subject. */
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  isCa: boolean;
  /** Whether BasicConstraints / KeyUsage are marked critical (undefined when absent). */
  basicConstraintsCritical: boolean | undefined;
  keyUsageCritical: boolean | undefined;
  keyUsage: KeyUsageName[];
  /** Names for the common ones (`serverAuth`, `clientAuth`, …), dotted OIDs otherwise. */
  extKeyUsage: string[];
  /** `Ed25519`, `ECDSA P-256`, `RSA 4096`, … */
  publicKeyAlgorithm: string;
  /** Subject Organization entries; for Talos client certificates these are the roles. */
  organizations: string[];
  commonName: string | undefined;
  serialNumber: string;
  subjectKeyId: string | undefined;
  authorityKeyId: string | undefined;
  dnsNames: string[];
  ipAddresses: string[];
}

const KEY_USAGE_NAMES: ReadonlyArray<[x509.KeyUsageFlags, KeyUsageName]> = [
  [x509.KeyUsageFlags.digitalSignature, 'digitalSignature'],
  [x509.KeyUsageFlags.nonRepudiation, 'nonRepudiation'],
  [x509.KeyUsageFlags.keyEncipherment, 'keyEncipherment'],
  [x509.KeyUsageFlags.dataEncipherment, 'dataEncipherment'],
  [x509.KeyUsageFlags.keyAgreement, 'keyAgreement'],
  [x509.KeyUsageFlags.keyCertSign, 'keyCertSign'],
  [x509.KeyUsageFlags.cRLSign, 'cRLSign'],
  [x509.KeyUsageFlags.encipherOnly, 'encipherOnly'],
  [x509.KeyUsageFlags.decipherOnly, 'decipherOnly'],
];

const EKU_NAMES = new Map<string, string>(
  Object.entries(x509.ExtendedKeyUsage).map(([name, oid]) => [oid as string, name]),
);

export function certificateInfo(pem: string): CertificateInfo {
  const cert = new x509.X509Certificate(pem);
  const node = new NodeX509Certificate(pem);
  const basic = cert.getExtension(x509.BasicConstraintsExtension);
  const usage = cert.getExtension(x509.KeyUsagesExtension);
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const sans = san?.names.toJSON() ?? [];
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    isCa: basic?.ca ?? false,
    basicConstraintsCritical: basic?.critical,
    keyUsageCritical: usage?.critical,
    keyUsage: KEY_USAGE_NAMES.filter(([flag]) => ((usage?.usages ?? 0) & flag) !== 0).map(([, name]) => name),
    extKeyUsage: Array.from(eku?.usages ?? [], (u) => EKU_NAMES.get(String(u)) ?? String(u)),
    publicKeyAlgorithm: describePublicKey(node),
    organizations: cert.subjectName.getField('O'),
    commonName: cert.subjectName.getField('CN')[0],
    serialNumber: cert.serialNumber,
    subjectKeyId: cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId,
    authorityKeyId: cert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId,
    dnsNames: sans.filter((n) => n.type === 'dns').map((n) => n.value),
    ipAddresses: sans.filter((n) => n.type === 'ip').map((n) => n.value),
  };
}

/**
 * True when `certPem` names `caPem`'s subject as issuer, its signature verifies with the CA's key,
 * and the CA is a CA. With `at`, both must also be valid at that moment.
 */
export function isIssuedBy(certPem: string, caPem: string, at?: Date): boolean {
  const cert = new NodeX509Certificate(certPem);
  const ca = new NodeX509Certificate(caPem);
  if (!ca.ca || !cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return false;
  if (at === undefined) return true;
  return [certPem, caPem]
    .map((pem) => new x509.X509Certificate(pem))
    .every((c) => c.notBefore <= at && at <= c.notAfter);
}

function describePublicKey(cert: NodeX509Certificate): string {
  const key = cert.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  // eslint-disable-next-line @typescript-eslint/switch-exhaustiveness-check -- Node's key types are an open set; the default reports the others as unsupported
  switch (key.asymmetricKeyType) {
    case 'ed25519':
      return 'Ed25519';
    case 'ec':
      return `ECDSA ${curveName(details.namedCurve)}`;
    case 'rsa':
      return `RSA ${details.modulusLength ?? '?'}`;
    default:
      return String(key.asymmetricKeyType);
  }
}

function curveName(curve: string | undefined): string {
  // eslint-disable-next-line @typescript-eslint/switch-exhaustiveness-check -- curve names are an open set; the default passes others through
  switch (curve) {
    case 'prime256v1':
      return 'P-256';
    case 'secp384r1':
      return 'P-384';
    case 'secp521r1':
      return 'P-521';
    default:
      return curve ?? '?';
  }
}

/**
 * X.509 certificates the way `siderolabs/crypto` makes them: self-signed CAs for the secrets
 * bundle, and leaf certificates signed by the OS CA for talosctl-style clients and fake nodes.
 * Keys come from Node's crypto; @peculiar/x509 only assembles and signs the certificate.
 */
import { X509Certificate as NodeX509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import type { CertAndKey } from '../../../talos/secrets-types.js';
import {
  generateKeys,
  keyAlgorithmOf,
  loadPrivateKey,
  privateKeyToPem,
  publicKeyOf,
  toCryptoKeyPair,
  webCryptoParams,
  type KeyAlgorithm,
  type KeyPair,
} from './keys.js';
import { defaultRandom, randomSerialHex, takeBytes, type RandomSource } from './random.js';
import { x509 } from './x509.js';

type SigningAlgorithm = NonNullable<x509.X509CertificateCreateParamsBase['signingAlgorithm']>;

const HOUR_MS = 3_600_000;
/** `CAValidityTime` in siderolabs/crypto: 87600h. */
export const CA_VALIDITY_HOURS = 87_600;
/** `TalosAPIDefaultCertificateValidityDuration`: one year. */
export const CLIENT_VALIDITY_HOURS = 8_760;
/** Talos rotates apid's own server certificate daily. */
export const SERVER_VALIDITY_HOURS = 24;

const ORGANIZATION_OID = '2.5.4.10';

export interface CertificateAuthorityOptions {
  algorithm: KeyAlgorithm;
  /** Subject Organization; undefined leaves the subject empty (the aggregator CA). */
  organization?: string;
  now?: Date;
  validityHours?: number;
  random?: RandomSource;
}

/** A self-signed CA exactly as `NewSelfSignedCertificateAuthority` makes one. */
export async function createCertificateAuthority(options: CertificateAuthorityOptions): Promise<CertAndKey> {
  const random = options.random ?? defaultRandom;
  const now = options.now ?? new Date();
  const keys = await generateKeys(options.algorithm);
  const name = organizationName(options.organization === undefined ? [] : [options.organization]);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialHex(random),
    name,
    notBefore: now,
    notAfter: addHours(now, options.validityHours ?? CA_VALIDITY_HOURS),
    keys: await toCryptoKeyPair(keys),
    signingAlgorithm: webCryptoParams(options.algorithm).signParams as SigningAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign, true),
      new x509.ExtendedKeyUsageExtension([
        x509.ExtendedKeyUsage.serverAuth,
        x509.ExtendedKeyUsage.clientAuth,
      ]),
      new x509.SubjectKeyIdentifierExtension(takeBytes(20, random).toString('hex')),
    ],
  });
  return { crt: cert.toString('pem') + '\n', key: privateKeyToPem(keys.privateKey) };
}

export interface ClientCertificateOptions {
  /** Talos roles, one Organization entry each, e.g. `['os:admin']`. */
  roles: string[];
  /** Default 8760 (one year), as talosctl. */
  validityHours?: number;
  now?: Date;
}

/** A talosctl-style client certificate: O = roles, no CN, clientAuth, key type following the CA. */
export async function issueClientCertificate(
  osCa: CertAndKey,
  options: ClientCertificateOptions,
): Promise<CertAndKey> {
  return issueLeaf(osCa, {
    organizations: options.roles,
    extKeyUsage: [x509.ExtendedKeyUsage.clientAuth],
    validityHours: options.validityHours ?? CLIENT_VALIDITY_HOURS,
    now: options.now,
  });
}

export interface ServerCertificateOptions {
  ips: string[];
  dnsNames: string[];
  /** Default 24, as apid's own certificate. */
  validityHours?: number;
  now?: Date;
}

/** An apid-style server certificate: serverAuth, SANs for the addresses and names it answers on. */
export async function issueServerCertificate(
  osCa: CertAndKey,
  options: ServerCertificateOptions,
): Promise<CertAndKey> {
  for (const ip of options.ips) {
    if (isIP(ip) === 0) throw new Error(`not an IP address: ${ip}`);
  }
  const names: x509.JsonGeneralNames = [
    ...options.dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...options.ips.map((value) => ({ type: 'ip' as const, value })),
  ];
  return issueLeaf(osCa, {
    commonName: options.dnsNames[0],
    organizations: [],
    extKeyUsage: [x509.ExtendedKeyUsage.serverAuth],
    subjectAltNames: names,
    validityHours: options.validityHours ?? SERVER_VALIDITY_HOURS,
    now: options.now,
  });
}

interface LeafOptions {
  commonName?: string;
  organizations: string[];
  extKeyUsage: x509.ExtendedKeyUsage[];
  subjectAltNames?: x509.JsonGeneralNames;
  validityHours: number;
  now: Date | undefined;
}

async function issueLeaf(ca: CertAndKey, options: LeafOptions): Promise<CertAndKey> {
  if (!(options.validityHours > 0))
    throw new Error(`validityHours must be positive, got ${options.validityHours}`);
  const issuer = loadIssuer(ca);
  const keys = await generateKeys(issuer.keys.algorithm);
  const now = options.now ?? new Date();
  const caKeys = await toCryptoKeyPair(issuer.keys);
  const leafKeys = await toCryptoKeyPair(keys);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension(options.extKeyUsage),
  ];
  if (issuer.subjectKeyId !== undefined) {
    extensions.push(new x509.AuthorityKeyIdentifierExtension(issuer.subjectKeyId));
  }
  if (options.subjectAltNames !== undefined && options.subjectAltNames.length > 0) {
    extensions.push(new x509.SubjectAlternativeNameExtension(options.subjectAltNames));
  }
  const subject: x509.JsonName = organizationName(options.organizations);
  if (options.commonName !== undefined) subject.push({ '2.5.4.3': [options.commonName] });
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialHex(),
    subject,
    issuer: issuer.cert.subjectName,
    notBefore: now,
    notAfter: addHours(now, options.validityHours),
    publicKey: leafKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: webCryptoParams(issuer.keys.algorithm).signParams as SigningAlgorithm,
    extensions,
  });
  return { crt: cert.toString('pem') + '\n', key: privateKeyToPem(keys.privateKey) };
}

interface Issuer {
  cert: x509.X509Certificate;
  keys: KeyPair;
  subjectKeyId: string | undefined;
}

function loadIssuer(ca: CertAndKey): Issuer {
  const privateKey = loadPrivateKey(ca.key);
  const algorithm = keyAlgorithmOf(privateKey);
  if (algorithm === undefined) {
    throw new Error(`CA key type ${String(privateKey.asymmetricKeyType)} cannot sign certificates here`);
  }
  const nodeCert = new NodeX509Certificate(ca.crt);
  if (!nodeCert.ca) throw new Error('the issuing certificate is not a CA');
  if (!nodeCert.checkPrivateKey(privateKey))
    throw new Error('the CA key does not belong to the CA certificate');
  const cert = new x509.X509Certificate(ca.crt);
  const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension);
  return {
    cert,
    keys: { algorithm, privateKey, publicKey: publicKeyOf(privateKey) },
    subjectKeyId: ski?.keyId,
  };
}

/** All Organization values in one multi-valued RDN, as Go's pkix.Name encodes them. */
function organizationName(organizations: string[]): x509.JsonName {
  return organizations.length === 0 ? [] : [{ [ORGANIZATION_OID]: [...organizations] }];
}

function addHours(date: Date, hours: number): Date {
  return new Date(date.getTime() + hours * HOUR_MS);
}

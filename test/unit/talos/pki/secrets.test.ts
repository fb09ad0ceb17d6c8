import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TalosSecrets } from '../../../../src/talos/secrets-types.js';
import {
  certificateInfo,
  generateSecrets,
  isIssuedBy,
  loadPrivateKey,
  TOKEN_PATTERN,
} from '../../../../src/providers/talos/pki/index.js';

const NOW = new Date('2025-03-01T12:00:00.000Z');
const TEN_YEARS_MS = 87_600 * 3_600_000;

let secrets: TalosSecrets;
const draws: Buffer[] = [];

beforeAll(async () => {
  secrets = await generateSecrets({
    now: NOW,
    random: (n) => {
      const bytes = randomBytes(n);
      draws.push(bytes);
      return bytes;
    },
  });
});

const CAS = [
  {
    name: 'etcd',
    algorithm: 'ECDSA P-256',
    subject: 'O=etcd',
    organizations: ['etcd'],
    keyLabel: 'EC PRIVATE KEY',
  },
  {
    name: 'k8s',
    algorithm: 'ECDSA P-256',
    subject: 'O=kubernetes',
    organizations: ['kubernetes'],
    keyLabel: 'EC PRIVATE KEY',
  },
  {
    name: 'k8sAggregator',
    algorithm: 'ECDSA P-256',
    subject: '',
    organizations: [],
    keyLabel: 'EC PRIVATE KEY',
  },
  {
    name: 'os',
    algorithm: 'Ed25519',
    subject: 'O=talos',
    organizations: ['talos'],
    keyLabel: 'ED25519 PRIVATE KEY',
  },
] as const;

describe.each(CAS)('the $name CA', (ca) => {
  const pair = () => secrets.certs[ca.name];

  it(`is ${ca.algorithm} with subject "${ca.subject}", self-issued`, () => {
    const info = certificateInfo(pair().crt);
    expect(info.publicKeyAlgorithm).toBe(ca.algorithm);
    expect(info.subject).toBe(ca.subject);
    expect(info.issuer).toBe(ca.subject);
    expect(info.organizations).toEqual(ca.organizations);
    expect(info.commonName).toBeUndefined();
  });

  it('is valid for 87600h from now', () => {
    const info = certificateInfo(pair().crt);
    expect(info.notBefore.getTime()).toBe(NOW.getTime());
    expect(info.notAfter.getTime() - info.notBefore.getTime()).toBe(TEN_YEARS_MS);
  });

  it('has CA:TRUE and KeyUsage critical, serverAuth+clientAuth, a key id and no authority key id', () => {
    const info = certificateInfo(pair().crt);
    expect(info.isCa).toBe(true);
    expect(info.basicConstraintsCritical).toBe(true);
    expect(info.keyUsageCritical).toBe(true);
    expect(info.keyUsage).toEqual(['digitalSignature', 'keyCertSign']);
    expect(info.extKeyUsage).toEqual(['serverAuth', 'clientAuth']);
    expect(info.subjectKeyId).toMatch(/^[0-9a-f]{40}$/);
    expect(info.authorityKeyId).toBeUndefined();
  });

  it('verifies its own signature', () => {
    expect(isIssuedBy(pair().crt, pair().crt, NOW)).toBe(true);
    const cert = new X509Certificate(pair().crt);
    expect(cert.verify(cert.publicKey)).toBe(true);
  });

  it(`stores its key as "${ca.keyLabel}", matching the certificate`, () => {
    const { key, crt } = pair();
    expect(key.startsWith(`-----BEGIN ${ca.keyLabel}-----\n`)).toBe(true);
    expect(key.trimEnd().endsWith(`-----END ${ca.keyLabel}-----`)).toBe(true);
    expect(crt.startsWith('-----BEGIN CERTIFICATE-----\n')).toBe(true);
    expect(new X509Certificate(crt).checkPrivateKey(loadPrivateKey(key))).toBe(true);
  });
});

describe('the rest of the bundle', () => {
  it('gives every CA its own serial and key id', () => {
    const infos = CAS.map((ca) => certificateInfo(secrets.certs[ca.name].crt));
    expect(new Set(infos.map((i) => i.serialNumber)).size).toBe(4);
    expect(new Set(infos.map((i) => i.subjectKeyId)).size).toBe(4);
  });

  it('keeps the Ed25519 key PKCS#8 under the Talos label (OpenSSL reads it only relabelled)', () => {
    const body = secrets.certs.os.key.replace(/-----[A-Z0-9 ]+-----/g, '').replace(/\s/g, '');
    const der = Buffer.from(body, 'base64');
    const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    expect(key.asymmetricKeyType).toBe('ed25519');
    expect(() => createPrivateKey(secrets.certs.os.key)).toThrow();
  });

  it('has an RSA 4096 service-account key in PKCS#1', () => {
    const pem = secrets.certs.k8sServiceAccount.key;
    expect(pem.startsWith('-----BEGIN RSA PRIVATE KEY-----\n')).toBe(true);
    const key = createPrivateKey(pem);
    expect(key.asymmetricKeyType).toBe('rsa');
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(4096);
    expect(key.asymmetricKeyDetails?.publicExponent).toBe(65537n);
  });

  it('draws the cluster id, cluster secret and secretbox key from the random source', () => {
    expect(draws.length).toBeGreaterThanOrEqual(5);
    expect(secrets.cluster.id).toBe(draws[0]?.toString('base64url'));
    expect(secrets.cluster.secret).toBe(draws[1]?.toString('base64'));
    expect(Buffer.from(secrets.cluster.id, 'base64url')).toHaveLength(32);
    expect(secrets.cluster.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(secrets.cluster.secret, 'base64')).toHaveLength(32);
    expect(Buffer.from(secrets.secrets.secretboxEncryptionSecret, 'base64')).toHaveLength(32);
    expect(secrets.secrets.secretboxEncryptionSecret).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });

  it('has two distinct tokens in the kubeadm format', () => {
    expect(secrets.secrets.bootstrapToken).toMatch(TOKEN_PATTERN);
    expect(secrets.trustdInfo.token).toMatch(TOKEN_PATTERN);
    expect(secrets.secrets.bootstrapToken).not.toBe(secrets.trustdInfo.token);
  });
});

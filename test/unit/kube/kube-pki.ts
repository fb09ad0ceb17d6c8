/**
 * Test-only certificates for a loopback Kubernetes API server: an ECDSA P-256 cluster CA, a serving
 * certificate for 127.0.0.1, and an admin client certificate (CN=admin, O=system:masters, SEC1 key)
 * as the kubeconfig Talos issues carries, plus a kubeconfig built from them.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { stringify } from 'yaml';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface Issued {
  crt: string;
  key: string;
}

interface Ca extends Issued {
  keys: webcrypto.CryptoKeyPair;
  cert: x509.X509Certificate;
}

const serial = () => {
  const b = randomBytes(12);
  b[0] = (b[0] ?? 0) & 0x7f;
  return b.toString('hex');
};

async function pem(key: webcrypto.CryptoKey, type: 'pkcs8' | 'sec1'): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
    .export({ format: 'pem', type })
    .toString();
}

const generate = async () =>
  (await webcrypto.subtle.generateKey(P256, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;

export async function createCa(name = 'kubernetes'): Promise<Ca> {
  const keys = await generate();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${name}, O=${name}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    signingAlgorithm: P256,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign, true),
    ],
  });
  return { keys, cert, crt: cert.toString('pem'), key: await pem(keys.privateKey, 'sec1') };
}

async function issue(ca: Ca, subject: string, usage: 'server' | 'client'): Promise<Issued> {
  const keys = await generate();
  const extensions: x509.Extension[] = [
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([
      usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth,
    ]),
  ];
  if (usage === 'server') {
    extensions.push(
      new x509.SubjectAlternativeNameExtension([
        { type: 'ip', value: '127.0.0.1' },
        { type: 'dns', value: 'localhost' },
      ]),
    );
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: ca.cert.subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    signingAlgorithm: P256,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    extensions,
  });
  return {
    crt: cert.toString('pem'),
    key: await pem(keys.privateKey, usage === 'server' ? 'pkcs8' : 'sec1'),
  };
}

export interface KubePki {
  ca: Ca;
  server: Issued;
  admin: Issued;
  /** A client certificate from another CA: the server must refuse it. */
  foreign: Issued;
}

export async function createKubePki(): Promise<KubePki> {
  const ca = await createCa();
  const other = await createCa('other');
  return {
    ca,
    server: await issue(ca, 'CN=kube-apiserver', 'server'),
    admin: await issue(ca, 'CN=admin, O=system:masters', 'client'),
    foreign: await issue(other, 'CN=admin, O=system:masters', 'client'),
  };
}

const b64 = (text: string) => Buffer.from(text).toString('base64');

export function kubeconfig(server: string, ca: Issued, client: Issued): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'test', cluster: { server, 'certificate-authority-data': b64(ca.crt) } }],
    users: [
      {
        name: 'admin@test',
        user: { 'client-certificate-data': b64(client.crt), 'client-key-data': b64(client.key) },
      },
    ],
    contexts: [
      { name: 'admin@test', context: { cluster: 'test', user: 'admin@test', namespace: 'default' } },
    ],
    'current-context': 'admin@test',
  });
}

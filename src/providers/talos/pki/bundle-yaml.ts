/**
 * The secrets bundle in the YAML layout of `talosctl gen secrets` (lower-cased Go field names,
 * certificates and keys as base64 of PEM), so bundles move between hk8s, talosctl and the
 * Terraform module unchanged.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { stringify } from 'yaml';
import type { CertAndKey, TalosSecrets } from '../../../talos/secrets-types.js';
import { FieldReader, join, type YamlMap } from './fields.js';
import { loadPrivateKey } from './keys.js';
import { TOKEN_PATTERN } from './random.js';

const b64 = (pem: string): string => Buffer.from(pem, 'utf8').toString('base64');
const pair = (c: CertAndKey): { crt: string; key: string } => ({ crt: b64(c.crt), key: b64(c.key) });

export function secretsToYaml(s: TalosSecrets): string {
  const doc = {
    cluster: { id: s.cluster.id, secret: s.cluster.secret },
    secrets: {
      bootstraptoken: s.secrets.bootstrapToken,
      secretboxencryptionsecret: s.secrets.secretboxEncryptionSecret,
    },
    trustdinfo: { token: s.trustdInfo.token },
    certs: {
      etcd: pair(s.certs.etcd),
      k8s: pair(s.certs.k8s),
      k8saggregator: pair(s.certs.k8sAggregator),
      k8sserviceaccount: { key: b64(s.certs.k8sServiceAccount.key) },
      os: pair(s.certs.os),
    },
  };
  return stringify(doc, { indent: 4, lineWidth: 0 });
}

export interface SecretsFromYamlOptions {
  /** Shown in error locations, e.g. the file name. Default `secrets.yaml`. */
  source?: string;
}

const HINT = 'Use a bundle written by `talosctl gen secrets` (Talos 1.7 or later) or by hk8s.';

/** Parses and checks a bundle: every field present, tokens well-formed, each CA key matching its certificate. */
export function secretsFromYaml(text: string, options: SecretsFromYamlOptions = {}): TalosSecrets {
  const r = new FieldReader(options.source ?? 'secrets.yaml', HINT);
  const root = r.parseRoot(text);

  const cluster = r.child(root, 'cluster', '');
  const secrets = r.child(root, 'secrets', '');
  const trustd = r.child(root, 'trustdinfo', '');
  const certs = r.child(root, 'certs', '');

  if (secrets['secretboxencryptionsecret'] === undefined && secrets['aescbcencryptionsecret'] !== undefined) {
    r.fail(
      'secrets',
      'only an aescbcencryptionsecret is present (a Talos 1.2 bundle); secretbox encryption is required',
    );
  }
  const secretbox = r.string(secrets, 'secretboxencryptionsecret', 'secrets');
  if (Buffer.from(secretbox, 'base64').length !== 32) {
    r.fail('secrets.secretboxencryptionsecret', 'must be base64 of 32 bytes');
  }
  const bootstrapToken = r.string(secrets, 'bootstraptoken', 'secrets');
  if (!TOKEN_PATTERN.test(bootstrapToken)) {
    r.fail('secrets.bootstraptoken', 'must look like abcdef.0123456789abcdef ([0-9a-z]{6}.[0-9a-z]{16})');
  }

  return {
    cluster: { id: r.string(cluster, 'id', 'cluster'), secret: r.string(cluster, 'secret', 'cluster') },
    secrets: { bootstrapToken, secretboxEncryptionSecret: secretbox },
    trustdInfo: { token: r.string(trustd, 'token', 'trustdinfo') },
    certs: {
      etcd: readCa(r, certs, 'etcd'),
      k8s: readCa(r, certs, 'k8s'),
      k8sAggregator: readCa(r, certs, 'k8saggregator'),
      k8sServiceAccount: { key: readServiceAccountKey(r, certs) },
      os: readCa(r, certs, 'os'),
    },
  };
}

function readCa(r: FieldReader, certs: YamlMap, name: string): CertAndKey {
  const path = join('certs', name);
  const entry = r.child(certs, name, 'certs');
  const crt = r.base64Pem(entry, 'crt', path);
  const key = r.base64Pem(entry, 'key', path);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(crt);
  } catch {
    r.fail(join(path, 'crt'), 'is not a readable X.509 certificate');
  }
  if (!cert.ca) r.fail(join(path, 'crt'), 'is not a CA certificate');
  const privateKey = readKey(r, key, join(path, 'key'));
  if (!cert.checkPrivateKey(privateKey))
    r.fail(join(path, 'key'), 'does not belong to the certificate in crt');
  return { crt, key };
}

function readServiceAccountKey(r: FieldReader, certs: YamlMap): string {
  const entry = r.child(certs, 'k8sserviceaccount', 'certs');
  const key = r.base64Pem(entry, 'key', 'certs.k8sserviceaccount');
  const type = readKey(r, key, 'certs.k8sserviceaccount.key').asymmetricKeyType;
  if (type !== 'rsa' && type !== 'ec')
    r.fail('certs.k8sserviceaccount.key', `must be an RSA or EC key, not ${type}`);
  return key;
}

function readKey(r: FieldReader, pem: string, path: string): KeyObject {
  try {
    return loadPrivateKey(pem);
  } catch {
    return r.fail(path, 'is not a readable private key');
  }
}

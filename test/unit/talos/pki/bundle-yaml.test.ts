import { beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { Hk8sError } from '../../../../src/errors.js';
import type { TalosSecrets } from '../../../../src/talos/secrets-types.js';
import {
  generateSecrets,
  secretsFromYaml,
  secretsToYaml,
} from '../../../../src/providers/talos/pki/index.js';

let secrets: TalosSecrets;
let text: string;

beforeAll(async () => {
  secrets = await generateSecrets();
  text = secretsToYaml(secrets);
});

type Doc = Record<string, Record<string, Record<string, string> | string>>;
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const unb64 = (s: unknown): string => Buffer.from(String(s), 'base64').toString('utf8');

/** Parses the YAML, lets the test change it, and writes it back. */
function edited(change: (doc: Doc) => void): string {
  const doc = parse(text) as Doc;
  change(doc);
  return stringify(doc);
}

function parseError(input: string): Hk8sError {
  try {
    secretsFromYaml(input, { source: 'bundle.yaml' });
  } catch (error) {
    if (error instanceof Hk8sError) return error;
    throw error;
  }
  throw new Error('expected secretsFromYaml to fail');
}

describe('secretsToYaml', () => {
  it('uses the talosctl gen secrets layout with lower-cased keys', () => {
    const doc = parse(text) as Doc;
    expect(Object.keys(doc)).toEqual(['cluster', 'secrets', 'trustdinfo', 'certs']);
    expect(Object.keys(doc['cluster'] ?? {})).toEqual(['id', 'secret']);
    expect(Object.keys(doc['secrets'] ?? {})).toEqual(['bootstraptoken', 'secretboxencryptionsecret']);
    expect(Object.keys(doc['trustdinfo'] ?? {})).toEqual(['token']);
    expect(Object.keys(doc['certs'] ?? {})).toEqual([
      'etcd',
      'k8s',
      'k8saggregator',
      'k8sserviceaccount',
      'os',
    ]);
    expect(Object.keys((doc['certs'] as Record<string, object>)['k8sserviceaccount'] ?? {})).toEqual(['key']);
  });

  it('writes certificates and keys as base64 of the PEM text', () => {
    const certs = (parse(text) as Doc)['certs'] as Record<string, Record<string, string>>;
    expect(unb64(certs['os']?.['crt'])).toBe(secrets.certs.os.crt);
    expect(unb64(certs['os']?.['key'])).toBe(secrets.certs.os.key);
    expect(unb64(certs['k8saggregator']?.['crt'])).toBe(secrets.certs.k8sAggregator.crt);
    expect(unb64(certs['k8sserviceaccount']?.['key'])).toBe(secrets.certs.k8sServiceAccount.key);
    expect(certs['etcd']?.['crt']).toMatch(/^[A-Za-z0-9+/]+=*$/);
  });

  it('keeps the plain values as they are', () => {
    const doc = parse(text) as Doc;
    expect(doc['cluster']).toEqual({ id: secrets.cluster.id, secret: secrets.cluster.secret });
    expect((doc['secrets'] as Record<string, string>)['bootstraptoken']).toBe(secrets.secrets.bootstrapToken);
    expect((doc['trustdinfo'] as Record<string, string>)['token']).toBe(secrets.trustdInfo.token);
  });
});

describe('secretsFromYaml', () => {
  it('round-trips a bundle exactly', () => {
    expect(secretsFromYaml(text)).toEqual(secrets);
  });

  it('accepts an Ed25519 key under the generic PRIVATE KEY label', () => {
    const relabelled = secrets.certs.os.key.replaceAll('ED25519 PRIVATE KEY', 'PRIVATE KEY');
    const input = edited((doc) => {
      ((doc['certs'] as Record<string, Record<string, string>>)['os'] ?? {})['key'] = b64(relabelled);
    });
    expect(secretsFromYaml(input).certs.os.key).toBe(relabelled);
  });

  it('accepts an EC service-account key (bundles of Talos 1.6 and older)', () => {
    const input = edited((doc) => {
      const certs = doc['certs'] as Record<string, Record<string, string>>;
      certs['k8sserviceaccount'] = { key: certs['etcd']?.['key'] ?? '' };
    });
    expect(secretsFromYaml(input).certs.k8sServiceAccount.key).toBe(secrets.certs.etcd.key);
  });

  const broken: Array<[string, (doc: Doc) => void, string, RegExp]> = [
    ['a missing section', (d) => delete d['trustdinfo'], 'bundle.yaml: trustdinfo', /missing/],
    [
      'a missing field',
      (d) => delete (d['cluster'] as Record<string, string>)['id'],
      'bundle.yaml: cluster.id',
      /missing/,
    ],
    [
      'a malformed bootstrap token',
      (d) => ((d['secrets'] as Record<string, string>)['bootstraptoken'] = 'ABC.def'),
      'bundle.yaml: secrets.bootstraptoken',
      /must look like/,
    ],
    [
      'a short secretbox key',
      (d) => ((d['secrets'] as Record<string, string>)['secretboxencryptionsecret'] = b64('short')),
      'bundle.yaml: secrets.secretboxencryptionsecret',
      /32 bytes/,
    ],
    [
      'an aescbc-only bundle',
      (d) => {
        const s = d['secrets'] as Record<string, string>;
        s['aescbcencryptionsecret'] = s['secretboxencryptionsecret'] ?? '';
        delete s['secretboxencryptionsecret'];
      },
      'bundle.yaml: secrets',
      /aescbc/,
    ],
    [
      'a certificate that is not base64 PEM',
      (d) =>
        (((d['certs'] as Record<string, Record<string, string>>)['k8s'] ?? {})['crt'] = 'not-base64-pem'),
      'bundle.yaml: certs.k8s.crt',
      /base64 of a PEM/,
    ],
    [
      'a PEM that is not a certificate',
      (d) =>
        (((d['certs'] as Record<string, Record<string, string>>)['k8s'] ?? {})['crt'] = b64(
          '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
        )),
      'bundle.yaml: certs.k8s.crt',
      /not a readable X\.509/,
    ],
    [
      'a key of another CA',
      (d) => {
        const certs = d['certs'] as Record<string, Record<string, string>>;
        (certs['etcd'] ?? {})['key'] = certs['k8s']?.['key'] ?? '';
      },
      'bundle.yaml: certs.etcd.key',
      /does not belong/,
    ],
    [
      'an Ed25519 service-account key',
      (d) => {
        const certs = d['certs'] as Record<string, Record<string, string>>;
        certs['k8sserviceaccount'] = { key: certs['os']?.['key'] ?? '' };
      },
      'bundle.yaml: certs.k8sserviceaccount.key',
      /RSA or EC/,
    ],
  ];

  it.each(broken)('rejects %s with its field path', (_name, change, where, message) => {
    const error = parseError(edited(change));
    expect(error.code).toBe('spec.invalid');
    expect(error.where).toBe(where);
    expect(error.message).toMatch(message);
    expect(error.hint).toMatch(/talosctl gen secrets/);
  });

  it('rejects YAML that does not parse, with the line', () => {
    const error = parseError('cluster:\n  id: [unclosed\n');
    expect(error.code).toBe('spec.parse');
    expect(error.where).toMatch(/^bundle\.yaml:\d+$/);
  });

  it('rejects a document that is not a mapping', () => {
    const error = parseError('- just\n- a list\n');
    expect(error.code).toBe('spec.invalid');
    expect(error.message).toBe('must be a mapping');
  });
});

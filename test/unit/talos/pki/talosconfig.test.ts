import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Hk8sError } from '../../../../src/errors.js';
import type { CertAndKey } from '../../../../src/talos/secrets-types.js';
import {
  buildTalosconfig,
  createCertificateAuthority,
  issueClientCertificate,
  parseTalosconfig,
} from '../../../../src/providers/talos/pki/index.js';

let osCa: CertAndKey;
let client: CertAndKey;

beforeAll(async () => {
  osCa = await createCertificateAuthority({ algorithm: 'ed25519', organization: 'talos' });
  client = await issueClientCertificate(osCa, { roles: ['os:admin'] });
});

const unb64 = (s: unknown): string => Buffer.from(String(s), 'base64').toString('utf8');

describe('buildTalosconfig', () => {
  it('writes the current context and its endpoints, nodes and base64 PEM material', () => {
    const text = buildTalosconfig({
      context: 'prod',
      endpoints: ['203.0.113.10', '203.0.113.11:50000'],
      nodes: ['10.0.1.1'],
      ca: osCa.crt,
      client,
    });
    const doc = parse(text) as { context: string; contexts: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc)).toEqual(['context', 'contexts']);
    expect(doc.context).toBe('prod');
    expect(Object.keys(doc.contexts)).toEqual(['prod']);
    const ctx = doc.contexts['prod'] ?? {};
    expect(Object.keys(ctx)).toEqual(['endpoints', 'nodes', 'ca', 'crt', 'key']);
    expect(ctx['endpoints']).toEqual(['203.0.113.10', '203.0.113.11:50000']);
    expect(ctx['nodes']).toEqual(['10.0.1.1']);
    expect(unb64(ctx['ca'])).toBe(osCa.crt);
    expect(unb64(ctx['crt'])).toBe(client.crt);
    expect(unb64(ctx['key'])).toBe(client.key);
    expect(unb64(ctx['key'])).toMatch(/^-----BEGIN ED25519 PRIVATE KEY-----/);
    expect(String(ctx['ca'])).toMatch(/^[A-Za-z0-9+/]+=*$/);
  });

  it('leaves nodes out when there are none', () => {
    const text = buildTalosconfig({
      context: 'c',
      endpoints: ['127.0.0.1'],
      nodes: [],
      ca: osCa.crt,
      client,
    });
    const doc = parse(text) as { contexts: Record<string, Record<string, unknown>> };
    expect(doc.contexts['c']).not.toHaveProperty('nodes');
  });

  it('refuses an empty context name or no endpoints', () => {
    expect(() =>
      buildTalosconfig({ context: ' ', endpoints: ['1.2.3.4'], nodes: [], ca: osCa.crt, client }),
    ).toThrow(/context/);
    expect(() => buildTalosconfig({ context: 'c', endpoints: [], nodes: [], ca: osCa.crt, client })).toThrow(
      /endpoint/,
    );
  });
});

describe('parseTalosconfig', () => {
  it('reads back what buildTalosconfig wrote', () => {
    const text = buildTalosconfig({
      context: 'dev',
      endpoints: ['127.0.0.2'],
      nodes: ['127.0.0.3'],
      ca: osCa.crt,
      client,
    });
    expect(parseTalosconfig(text)).toEqual({
      context: 'dev',
      endpoints: ['127.0.0.2'],
      nodes: ['127.0.0.3'],
      ca: osCa.crt,
      client,
    });
  });

  it('reads a named context other than the current one', () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const text = [
      'context: a',
      'contexts:',
      '  a: {endpoints: [1.1.1.1], ca: x, crt: x, key: x}',
      `  b: {endpoints: [2.2.2.2], ca: ${b64(osCa.crt)}, crt: ${b64(client.crt)}, key: ${b64(client.key)}}`,
      '',
    ].join('\n');
    const ctx = parseTalosconfig(text, { context: 'b' });
    expect(ctx.endpoints).toEqual(['2.2.2.2']);
    expect(ctx.nodes).toEqual([]);
  });

  it('names the missing context or field', () => {
    const text = buildTalosconfig({
      context: 'dev',
      endpoints: ['127.0.0.2'],
      nodes: [],
      ca: osCa.crt,
      client,
    });
    const missing = (() => {
      try {
        parseTalosconfig(text, { context: 'prod', source: '/home/me/.talos/config' });
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(missing).toBeInstanceOf(Hk8sError);
    expect((missing as Hk8sError).where).toBe('/home/me/.talos/config: contexts.prod');
    expect(() => parseTalosconfig(text.replace(/ca: .*/, 'ca: bm90IHBlbQ=='))).toThrow(/base64 of a PEM/);
  });
});

/**
 * `talos.registries` is written in the legacy `machine.registries` shape (`mirrors`, `config`), which
 * the 1.12+ schemas no longer accept. It becomes RegistryMirrorConfig, RegistryAuthConfig and
 * RegistryTLSConfig documents (talos-1.13.md §2.1). Certificates in the legacy shape are base64 PEM;
 * the documents want PEM text.
 */
import { Hk8sError } from '../../errors.js';
import type { BuildContext } from './context.js';
import { isPlainObject, prune, type PlainObject } from './objects.js';
import type { ConfigDocument } from './types.js';

function invalid(where: string, message: string): Hk8sError {
  return new Hk8sError('spec.invalid', message, {
    where: `talos.registries${where}`,
    hint: 'Write registries as machine.registries: { mirrors: { HOST: { endpoints: [URL] } }, config: { HOST: { auth, tls } } }.',
  });
}

function objectAt(value: unknown, where: string): PlainObject {
  if (value === undefined) return {};
  if (!isPlainObject(value)) throw invalid(where, 'must be an object');
  return value;
}

function optional<T extends 'string' | 'boolean'>(
  object: PlainObject,
  key: string,
  type: T,
  where: string,
): (T extends 'string' ? string : boolean) | undefined {
  const value = object[key];
  if (value === undefined) return undefined;
  if (typeof value !== type) throw invalid(`${where}.${key}`, `must be a ${type}`);
  return value as T extends 'string' ? string : boolean;
}

/** PEM text from a legacy base64 value; PEM that was written as-is stays as it is. */
function pem(value: string | undefined, where: string): string | undefined {
  if (value === undefined || value.includes('-----BEGIN')) return value;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  if (!decoded.includes('-----BEGIN')) throw invalid(where, 'must be a PEM block or base64 of one');
  return decoded;
}

function sortedEntries(object: PlainObject): Array<[string, unknown]> {
  return Object.entries(object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function mirrorDocuments(mirrors: PlainObject): ConfigDocument[] {
  return sortedEntries(mirrors).map(([host, value]) => {
    const where = `.mirrors.${host}`;
    const mirror = objectAt(value, where);
    const endpoints = mirror.endpoints ?? [];
    if (!Array.isArray(endpoints) || !endpoints.every((endpoint) => typeof endpoint === 'string')) {
      throw invalid(`${where}.endpoints`, 'must be a list of URLs');
    }
    const overridePath = optional(mirror, 'overridePath', 'boolean', where);
    return {
      apiVersion: 'v1alpha1',
      kind: 'RegistryMirrorConfig',
      ...prune({
        name: host,
        endpoints: endpoints.map((url: string) => prune({ url, overridePath })),
        skipFallback: optional(mirror, 'skipFallback', 'boolean', where),
      }),
    };
  });
}

function authDocument(host: string, auth: PlainObject, where: string): ConfigDocument {
  return {
    apiVersion: 'v1alpha1',
    kind: 'RegistryAuthConfig',
    ...prune({
      name: host,
      username: optional(auth, 'username', 'string', where),
      password: optional(auth, 'password', 'string', where),
      auth: optional(auth, 'auth', 'string', where),
      identityToken: optional(auth, 'identityToken', 'string', where),
    }),
  };
}

function tlsDocument(host: string, tls: PlainObject, where: string): ConfigDocument {
  const identity =
    tls.clientIdentity === undefined ? undefined : objectAt(tls.clientIdentity, `${where}.clientIdentity`);
  const identityWhere = `${where}.clientIdentity`;
  return {
    apiVersion: 'v1alpha1',
    kind: 'RegistryTLSConfig',
    ...prune({
      name: host,
      // Talos parses `cert`; the 1.12/1.13 schemas call it `crt` (see the version table's quirks).
      clientIdentity: identity
        ? prune({
            cert: pem(optional(identity, 'crt', 'string', identityWhere), `${identityWhere}.crt`),
            key: pem(optional(identity, 'key', 'string', identityWhere), `${identityWhere}.key`),
          })
        : undefined,
      ca: pem(optional(tls, 'ca', 'string', where), `${where}.ca`),
      insecureSkipVerify: optional(tls, 'insecureSkipVerify', 'boolean', where),
    }),
  };
}

export function registryDocuments(context: BuildContext): ConfigDocument[] {
  const registries = context.spec.talos.registries;
  if (registries === undefined) return [];
  for (const key of Object.keys(registries)) {
    if (key !== 'mirrors' && key !== 'config')
      throw invalid(`.${key}`, `unknown field ${key}; use mirrors or config`);
  }
  const mirrors = objectAt(registries.mirrors, '.mirrors');
  const config = objectAt(registries.config, '.config');
  const auths: ConfigDocument[] = [];
  const tlss: ConfigDocument[] = [];
  for (const [host, value] of sortedEntries(config)) {
    const where = `.config.${host}`;
    const entry = objectAt(value, where);
    if (entry.auth !== undefined)
      auths.push(authDocument(host, objectAt(entry.auth, `${where}.auth`), `${where}.auth`));
    if (entry.tls !== undefined)
      tlss.push(tlsDocument(host, objectAt(entry.tls, `${where}.tls`), `${where}.tls`));
  }
  return [...mirrorDocuments(mirrors), ...auths, ...tlss];
}

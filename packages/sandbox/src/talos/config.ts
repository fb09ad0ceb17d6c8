/**
 * Reading a machine config as a Talos node does: userdata may be plain, base64 or base64 of gzip;
 * the text is multi-document YAML that must hold the v1alpha1 document; each document is checked
 * against the schema of the node's version, then the few semantic rules this simulation relies on.
 */
import { gunzipSync } from 'node:zlib';
import { parseAllDocuments } from 'yaml';
import { schemaFor } from './schema.js';
import { parseTag } from './version.js';

export interface MachineConfig {
  /** The config as applied (YAML text). */
  text: string;
  type: 'controlplane' | 'worker';
  clusterId: string;
  clusterName: string;
  /** cluster.controlPlane.endpoint */
  endpoint: string;
  /** PEM of the OS CA (machine.ca); the key only on control planes. */
  osCa: { crt: string; key: string };
  /** PEM of the Kubernetes CA (cluster.ca); the key only on control planes. */
  k8sCa: { crt: string; key: string };
  certSans: string[];
  installImage: string;
  /** HostnameConfig.hostname, when set. */
  hostname: string | null;
  adminKubeconfigHours: number;
  /** HCloudVIPConfig documents: the VIP (a private alias IP or a public floating IP), link, token. */
  vips: HcloudVip[];
}

export interface HcloudVip {
  ip: string;
  link: string;
  apiToken: string;
}

/** A config Talos refuses; the message is what the node answers (InvalidArgument). */
export class ConfigError extends Error {}

/** Userdata as Hetzner hands it over: plain YAML, base64, or base64 of gzip. */
export function decodeUserData(raw: string): string {
  const trimmed = raw.trim();
  if (trimmed !== '' && /^[A-Za-z0-9+/=\s]+$/.test(trimmed)) {
    const bytes = Buffer.from(trimmed, 'base64');
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) return gunzipSync(bytes).toString('utf8');
    const text = bytes.toString('utf8');
    if (isText(text) && text.includes(':')) return text;
  }
  return raw;
}

/** Printable UTF-8 (tabs and newlines allowed): base64 that decoded to text, not to binary. */
function isText(text: string): boolean {
  if (text.includes('\uFFFD')) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return false;
  }
  return true;
}

function pemField(value: unknown, path: string, required: boolean): string {
  if (value === undefined || value === null || value === '') {
    if (required) throw new ConfigError(`${path} is required`);
    return '';
  }
  if (typeof value !== 'string') throw new ConfigError(`${path} must be a string`);
  const text = Buffer.from(value, 'base64').toString('utf8');
  if (!text.includes('-----BEGIN')) throw new ConfigError(`${path} is not base64 of a PEM block`);
  return text;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function lifetimeHours(value: unknown): number {
  if (typeof value !== 'string') return 8760;
  const m = /^(\d+)h$/.exec(value);
  return m?.[1] ? Number(m[1]) : 8760;
}

/** Parses and validates `text` for a node running Talos `versionTag`. Throws ConfigError. */
export function parseMachineConfig(text: string, versionTag: string): MachineConfig {
  const minor = parseTag(versionTag)?.minor ?? 13;
  const documents = parseAllDocuments(text);
  if (!Array.isArray(documents)) throw new ConfigError('failed to parse config: not a YAML stream');
  const errors: string[] = [];
  let main: Record<string, unknown> | undefined;
  let hostname: string | null = null;
  const vips: HcloudVip[] = [];
  const seen = new Set<string>();
  documents.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      errors.push(`document ${index + 1}: ${doc.errors[0]?.message ?? 'invalid YAML'}`);
      return;
    }
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) return;
    const body = record(value);
    if (Object.keys(body).length === 0 && typeof value !== 'object') {
      errors.push(`document ${index + 1}: not a mapping`);
      return;
    }
    const kind = typeof body['kind'] === 'string' ? body['kind'] : undefined;
    const label =
      kind === undefined
        ? 'v1alpha1'
        : `${kind}${typeof body['name'] === 'string' ? ` "${body['name']}"` : ''}`;
    if (kind === undefined) {
      // `persist` is hidden from the schema but still accepted by Talos.
      delete body['persist'];
      if (main) errors.push('duplicate v1alpha1 document');
      main = body;
    } else if (seen.has(label)) {
      errors.push(`duplicate document ${label}`);
    }
    seen.add(label);
    if (kind === 'HostnameConfig' && typeof body['hostname'] === 'string') hostname = body['hostname'];
    if (kind === 'HCloudVIPConfig') {
      const vip = hcloudVip(body);
      if (typeof vip === 'string') errors.push(`${label}: ${vip}`);
      else vips.push(vip);
    }
    for (const problem of schemaFor(minor).validate(body)) errors.push(`${label}: ${problem}`);
  });
  if (!main) errors.push('the v1alpha1 document (version: v1alpha1) is missing');
  if (errors.length > 0)
    throw new ConfigError(`${errors.length} error(s) occurred:\n\t* ${errors.join('\n\t* ')}`);
  return { ...semantics(text, record(main), hostname), vips };
}

const IP = /^[0-9a-f.:]+$/;

/** What Talos's own validation asks of an HCloudVIPConfig beyond the schema: an IP name, a link, a token. */
function hcloudVip(body: Record<string, unknown>): HcloudVip | string {
  const { name, link, apiToken } = body;
  if (typeof name !== 'string' || !IP.test(name)) return 'name must be the VIP address';
  if (typeof link !== 'string' || link === '') return 'link is required';
  if (typeof apiToken !== 'string' || apiToken === '') return 'apiToken is required';
  return { ip: name, link, apiToken };
}

function semantics(
  text: string,
  main: Record<string, unknown>,
  hostname: string | null,
): Omit<MachineConfig, 'vips'> {
  const machine = record(main['machine']);
  const cluster = record(main['cluster']);
  const type = machine['type'];
  if (type !== 'controlplane' && type !== 'worker' && type !== 'init') {
    throw new ConfigError('machine.type is required: controlplane or worker');
  }
  const controlPlane = type !== 'worker';
  const endpoint = record(cluster['controlPlane'])['endpoint'];
  if (typeof endpoint !== 'string' || !/^https:\/\//.test(endpoint)) {
    throw new ConfigError('cluster.controlPlane.endpoint is required (https://host:port)');
  }
  const clusterId = cluster['id'];
  if (typeof clusterId !== 'string' || clusterId === '') throw new ConfigError('cluster.id is required');
  const machineCa = record(machine['ca']);
  const clusterCa = record(cluster['ca']);
  const install = record(machine['install']);
  const certSans = Array.isArray(machine['certSANs'])
    ? machine['certSANs'].filter((s) => typeof s === 'string')
    : [];
  return {
    text,
    type: controlPlane ? 'controlplane' : 'worker',
    clusterId,
    clusterName: typeof cluster['clusterName'] === 'string' ? cluster['clusterName'] : 'talos',
    endpoint,
    osCa: {
      crt: pemField(machineCa['crt'], 'machine.ca.crt', true),
      key: pemField(machineCa['key'], 'machine.ca.key', controlPlane),
    },
    k8sCa: {
      crt: pemField(clusterCa['crt'], 'cluster.ca.crt', true),
      key: pemField(clusterCa['key'], 'cluster.ca.key', controlPlane),
    },
    certSans,
    installImage: typeof install['image'] === 'string' ? install['image'] : '',
    hostname,
    adminKubeconfigHours: lifetimeHours(record(cluster['adminKubeconfig'])['certLifetime']),
  };
}

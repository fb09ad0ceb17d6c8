/**
 * The talosctl client configuration (`~/.talos/config`): a current context and, per context,
 * endpoints, default nodes and the mTLS material as base64 of PEM.
 */
import { stringify } from 'yaml';
import type { CertAndKey } from '../../../talos/secrets-types.js';
import { FieldReader } from './fields.js';

export interface TalosconfigOptions {
  context: string;
  /** host or host:port; talosctl uses port 50000 when none is given. */
  endpoints: string[];
  /** Default targets; omitted from the file when empty. */
  nodes: string[];
  /** PEM of the OS CA certificate. */
  ca: string;
  /** Client certificate and key PEM (key label `ED25519 PRIVATE KEY`, as Talos writes it). */
  client: CertAndKey;
}

const b64 = (pem: string): string => Buffer.from(pem, 'utf8').toString('base64');

export function buildTalosconfig(options: TalosconfigOptions): string {
  if (options.context.trim() === '') throw new Error('talosconfig context name is empty');
  if (options.endpoints.length === 0) throw new Error('talosconfig needs at least one endpoint');
  const context = {
    endpoints: [...options.endpoints],
    ...(options.nodes.length > 0 ? { nodes: [...options.nodes] } : {}),
    ca: b64(options.ca),
    crt: b64(options.client.crt),
    key: b64(options.client.key),
  };
  return stringify({ context: options.context, contexts: { [options.context]: context } }, { lineWidth: 0 });
}

export interface TalosconfigContext {
  context: string;
  endpoints: string[];
  nodes: string[];
  /** PEM of the OS CA certificate. */
  ca: string;
  /** Client certificate and key PEM, as stored (the key may carry the `ED25519 PRIVATE KEY` label). */
  client: CertAndKey;
}

export interface ParseTalosconfigOptions {
  /** Context to read; default the file's current `context`. */
  context?: string;
  /** Shown in error locations, e.g. the file name. Default `talosconfig`. */
  source?: string;
}

/** Reads one context of a talosconfig, the counterpart of `buildTalosconfig`. */
export function parseTalosconfig(text: string, options: ParseTalosconfigOptions = {}): TalosconfigContext {
  const r = new FieldReader(
    options.source ?? 'talosconfig',
    'Use a talosconfig written by hk8s or `talosctl gen config` with ca, crt and key set.',
  );
  const root = r.parseRoot(text);
  const name = options.context ?? r.string(root, 'context', '');
  const contexts = r.child(root, 'contexts', '');
  const ctx = r.child(contexts, name, 'contexts');
  const path = `contexts.${name}`;
  const endpoints = r.stringList(ctx, 'endpoints', path);
  if (endpoints.length === 0) r.fail(`${path}.endpoints`, 'no endpoints');
  return {
    context: name,
    endpoints,
    nodes: r.stringList(ctx, 'nodes', path),
    ca: r.base64Pem(ctx, 'ca', path),
    client: { crt: r.base64Pem(ctx, 'crt', path), key: r.base64Pem(ctx, 'key', path) },
  };
}

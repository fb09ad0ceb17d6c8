/**
 * The secrets a cluster's event log holds, cut into the pieces a leak would show: every plain
 * secret value (a private key, a passphrase; public keys excepted, they are shown on purpose) and,
 * inside YAML or JSON secrets (the Talos secrets bundle, machine configs, the kubeconfig), every
 * string under a key that names key material or a token — the bootstrap token, the CA keys, the
 * AES-CBC key, the trustd token, the client keys.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

const MIN_LENGTH = 16;

/** Keys whose values are key material or tokens (public keys and certificates are not secret). */
const SECRET_KEY = /key|token|secret|password|passphrase/i;

/** A Kubernetes label or taint key (`node-role.kubernetes.io/control-plane`): named `key`, not one. */
const LABEL_KEY = /^[a-z0-9.-]+\/[a-z0-9.-]+$/;

function pieces(value: string, out: string[]): void {
  if (LABEL_KEY.test(value)) return;
  if (value.length >= MIN_LENGTH) out.push(value);
  // A PEM's base64 body lines: a leak of part of a key would not carry its armour.
  for (const line of value.split('\n')) if (line.length >= 40 && !line.startsWith('-----')) out.push(line);
}

/** String leaves under secret-looking keys, anywhere in a parsed YAML or JSON document. */
function secretLeaves(value: unknown, out: string[], underSecretKey = false): void {
  if (typeof value === 'string') {
    if (underSecretKey) pieces(value, out);
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) secretLeaves(item, out, underSecretKey);
    return;
  }
  if (!value || typeof value !== 'object') return;
  for (const [key, item] of Object.entries(value)) {
    const secret = SECRET_KEY.test(key) && !/public/i.test(key);
    secretLeaves(item, out, underSecretKey || secret);
  }
}

export function secretPieces(eventLog: string): string[] {
  const out: string[] = [];
  for (const line of readFileSync(eventLog, 'utf8').split('\n')) {
    if (!line.includes('"SecretStored"')) continue;
    const event = JSON.parse(line) as { data: { name: string; value: { $secret: unknown } } };
    if (event.data.name.includes('public')) continue;
    const secret = event.data.value.$secret;
    if (typeof secret !== 'string') {
      secretLeaves(secret, out, true);
      continue;
    }
    let parsed: unknown;
    try {
      parsed = parse(secret) as unknown;
    } catch {
      parsed = undefined;
    }
    // A document (a machine config, a kubeconfig, the secrets bundle): its secret fields; a plain
    // value (a private key, a passphrase): all of it.
    if (parsed && typeof parsed === 'object') secretLeaves(parsed, out);
    else pieces(secret, out);
  }
  return [...new Set(out)];
}

/** The pieces found in `text`, as printed or as escaped inside a JSON string. */
export function leakedIn(text: string, pieces: readonly string[]): string[] {
  return pieces.filter((p) => text.includes(p) || text.includes(JSON.stringify(p).slice(1, -1)));
}

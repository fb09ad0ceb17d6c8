/**
 * The secrets a cluster's event log holds, cut into the pieces a leak would show: every secret
 * value (public keys excepted, they are shown on purpose) and, inside YAML or JSON secrets (the
 * Talos secrets bundle), every string leaf long enough to be key material or a token — the
 * bootstrap token, the CA keys, the AES-CBC key, the trustd token.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

const MIN_LENGTH = 16;

function leaves(value: unknown, out: string[]): void {
  if (typeof value === 'string') {
    if (value.length >= MIN_LENGTH) out.push(value);
    // A PEM's base64 body lines: a leak of part of a key would not carry its armour.
    for (const line of value.split('\n')) if (line.length >= 40 && !line.startsWith('-----')) out.push(line);
    return;
  }
  if (Array.isArray(value)) for (const item of value) leaves(item, out);
  else if (value && typeof value === 'object') for (const item of Object.values(value)) leaves(item, out);
}

export function secretPieces(eventLog: string): string[] {
  const out: string[] = [];
  for (const line of readFileSync(eventLog, 'utf8').split('\n')) {
    if (!line.includes('"SecretStored"')) continue;
    const event = JSON.parse(line) as { data: { name: string; value: { $secret: unknown } } };
    if (event.data.name.includes('public')) continue;
    const secret = event.data.value.$secret;
    leaves(secret, out);
    if (typeof secret === 'string') {
      try {
        leaves(parse(secret) as unknown, out);
      } catch {
        // Not YAML: the string itself is already in.
      }
    }
  }
  return [...new Set(out)];
}

/** The pieces found in `text`, as printed or as escaped inside a JSON string. */
export function leakedIn(text: string, pieces: readonly string[]): string[] {
  return pieces.filter((p) => text.includes(p) || text.includes(JSON.stringify(p).slice(1, -1)));
}

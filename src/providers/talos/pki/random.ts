/**
 * Random values of the secrets bundle: ids, shared secrets and kubeadm-style tokens.
 * The byte source is injectable so tests can drive the rejection sampling.
 */
import { randomBytes } from 'node:crypto';

/** Returns n random bytes. */
export type RandomSource = (n: number) => Buffer;

export const defaultRandom: RandomSource = (n) => randomBytes(n);

export const TOKEN_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';
export const TOKEN_PATTERN = /^[0-9a-z]{6}\.[0-9a-z]{16}$/;

/** Bytes at or above this are rejected: 252 = 7 × 36, so `byte % 36` stays uniform below it. */
export const TOKEN_REJECT_FROM = 252;

/** Consecutive fully-rejected draws after which the source is declared broken rather than unlucky. */
const MAX_EMPTY_DRAWS = 64;

/** A string of `length` characters drawn uniformly from `[0-9a-z]`. */
export function randomTokenString(length: number, random: RandomSource = defaultRandom): string {
  let out = '';
  let emptyDraws = 0;
  while (out.length < length) {
    const bytes = random(length - out.length);
    let accepted = 0;
    for (const byte of bytes) {
      if (byte >= TOKEN_REJECT_FROM || out.length >= length) continue;
      out += TOKEN_ALPHABET[byte % TOKEN_ALPHABET.length];
      accepted += 1;
    }
    emptyDraws = accepted === 0 ? emptyDraws + 1 : 0;
    if (emptyDraws >= MAX_EMPTY_DRAWS) {
      throw new Error(
        `random source yielded only bytes >= ${TOKEN_REJECT_FROM} ${MAX_EMPTY_DRAWS} times in a row`,
      );
    }
  }
  return out;
}

/** A token in the kubeadm bootstrap-token format Talos uses: `[0-9a-z]{6}.[0-9a-z]{16}`. */
export function generateToken(random: RandomSource = defaultRandom): string {
  return `${randomTokenString(6, random)}.${randomTokenString(16, random)}`;
}

/** Exactly n bytes from the source (guards against a source that returns short buffers). */
export function takeBytes(n: number, random: RandomSource): Buffer {
  const bytes = random(n);
  if (bytes.length < n) throw new Error(`random source returned ${bytes.length} bytes, ${n} requested`);
  return bytes.subarray(0, n);
}

/** A positive certificate serial of up to 128 bits, never zero. */
export function randomSerialHex(random: RandomSource = defaultRandom): string {
  const bytes = Buffer.from(takeBytes(16, random));
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  if (bytes.every((b) => b === 0)) bytes[15] = 1;
  return bytes.toString('hex');
}

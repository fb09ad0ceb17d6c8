import { describe, expect, it } from 'vitest';
import {
  generateToken,
  randomSerialHex,
  randomTokenString,
  takeBytes,
  TOKEN_ALPHABET,
  TOKEN_PATTERN,
  TOKEN_REJECT_FROM,
  type RandomSource,
} from '../../../../src/providers/talos/pki/random.js';

/** A source that plays back the given bytes in order, however they are requested. */
function scripted(bytes: number[]): RandomSource & { served: number } {
  let at = 0;
  const source = (n: number): Buffer => {
    if (at + n > bytes.length) throw new Error(`script exhausted: asked ${n} at ${at} of ${bytes.length}`);
    const out = Buffer.from(bytes.slice(at, at + n));
    at += n;
    source.served = at;
    return out;
  };
  source.served = 0;
  return source;
}

describe('token sampling', () => {
  it('uses 36 characters and rejects from 252 (= 7 × 36)', () => {
    expect(TOKEN_ALPHABET).toHaveLength(36);
    expect(TOKEN_REJECT_FROM).toBe(252);
  });

  it('maps each accepted byte to byte % 36', () => {
    const source = scripted([0, 9, 10, 35, 36, 251]);
    expect(randomTokenString(6, source)).toBe('09az0z');
  });

  it('skips bytes >= 252 and draws again for the missing characters', () => {
    // 6 requested: two biased bytes rejected, then 2 more requested and accepted.
    const source = scripted([252, 1, 255, 2, 3, 4, 5, 6]);
    expect(randomTokenString(6, source)).toBe('123456');
    expect(source.served).toBe(8);
  });

  it('never lets a rejected byte through, for every biased value', () => {
    const biased = Array.from({ length: 256 - TOKEN_REJECT_FROM }, (_, i) => TOKEN_REJECT_FROM + i);
    const source = scripted([...biased, 7]);
    expect(randomTokenString(1, source)).toBe('7');
  });

  it('is uniform over the accepted range: each character exactly 7 times for bytes 0..251', () => {
    const source = scripted(Array.from({ length: 252 }, (_, i) => i));
    const text = randomTokenString(252, source);
    const counts = new Map<string, number>();
    for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(36);
    expect([...counts.values()].every((c) => c === 7)).toBe(true);
  });

  it('gives up on a source that only yields biased bytes', () => {
    expect(() => randomTokenString(6, (n) => Buffer.alloc(n, 0xff))).toThrow(/only bytes >= 252/);
  });

  it('makes tokens in the [0-9a-z]{6}.[0-9a-z]{16} format', () => {
    for (let i = 0; i < 50; i += 1) expect(generateToken()).toMatch(TOKEN_PATTERN);
    const fixed = generateToken(scripted(Array.from({ length: 22 }, (_, i) => i + 10)));
    expect(fixed).toBe('abcdef.ghijklmnopqrstuv');
  });

  it('rejects malformed tokens in the pattern', () => {
    for (const bad of [
      'ABCDEF.0123456789abcdef',
      'abcde.0123456789abcdef',
      'abcdef0123456789abcdef',
      'abcdef.0123456789abcde',
    ]) {
      expect(TOKEN_PATTERN.test(bad)).toBe(false);
    }
  });
});

describe('other random values', () => {
  it('refuses a short buffer from the source', () => {
    expect(() => takeBytes(32, (n) => Buffer.alloc(n - 1))).toThrow(/31 bytes, 32 requested/);
  });

  it('makes positive, non-zero 128-bit serials', () => {
    expect(randomSerialHex(() => Buffer.alloc(16, 0xff))).toBe('7f' + 'ff'.repeat(15));
    expect(randomSerialHex(() => Buffer.alloc(16, 0))).toBe('00'.repeat(15) + '01');
    expect(randomSerialHex()).toMatch(/^[0-7][0-9a-f]{31}$/);
  });
});

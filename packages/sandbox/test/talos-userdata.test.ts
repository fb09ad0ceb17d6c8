/** The simulated node reads user data in every encoding Hetzner passes it through. */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeUserData } from '../src/talos/config.js';

describe('userdata decoding', () => {
  const yaml = 'version: v1alpha1\nmachine:\n  type: worker\n';
  it.each([
    ['plain', yaml],
    ['base64', Buffer.from(yaml).toString('base64')],
    ['base64 of gzip', gzipSync(Buffer.from(yaml)).toString('base64')],
  ])('reads %s', (_name, raw) => {
    expect(decodeUserData(raw)).toBe(yaml);
  });
});

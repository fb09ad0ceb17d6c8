import { describe, expect, it } from 'vitest';
import {
  cidrContains,
  cidrHost,
  cidrOverlaps,
  cidrSubnet,
  formatCidr,
  isIpOrCidr,
  parseIpv4Cidr,
} from '../../../src/spec/cidr.js';

const cidr = (text: string) => {
  const parsed = parseIpv4Cidr(text);
  if (!parsed) throw new Error(`bad test CIDR ${text}`);
  return parsed;
};

describe('cidr', () => {
  it.each([
    ['10.0.0.0/16', true],
    ['0.0.0.0/0', true],
    ['10.0.0.1/16', false],
    ['10.0.0.0/33', false],
    ['256.0.0.0/8', false],
    ['10.0.0/8', false],
    ['010.0.0.0/8', false],
    ['10.0.0.0', false],
  ])('parses %s: %s', (text, valid) => {
    expect(parseIpv4Cidr(text) !== undefined).toBe(valid);
  });

  it.each([
    ['10.0.0.0/16', 3, 2, '10.0.64.0/19'],
    ['10.0.0.0/16', 1, 1, '10.0.128.0/17'],
    ['10.0.64.0/20', 5, 31, '10.0.79.128/25'],
    ['192.168.0.0/24', 0, 0, '192.168.0.0/24'],
  ])('cidrsubnet(%s, %i, %i) = %s', (parent, bits, index, expected) => {
    expect(formatCidr(cidrSubnet(cidr(parent), bits, index))).toBe(expected);
  });

  it.each([
    ['10.0.64.0/25', -2, '10.0.64.126'],
    ['10.0.64.128/25', -2, '10.0.64.254'],
    ['10.0.64.128/25', -4, '10.0.64.252'],
    ['10.0.0.0/16', 1, '10.0.0.1'],
  ])('cidrhost(%s, %i) = %s', (range, host, expected) => {
    expect(cidrHost(cidr(range), host)).toBe(expected);
  });

  it('rejects hosts and subnets out of range', () => {
    expect(() => cidrHost(cidr('10.0.0.0/30'), 4)).toThrow();
    expect(() => cidrSubnet(cidr('10.0.0.0/30'), 3, 0)).toThrow();
  });

  it('contains and overlaps', () => {
    expect(cidrContains(cidr('10.0.0.0/16'), cidr('10.0.64.0/19'))).toBe(true);
    expect(cidrContains(cidr('10.0.64.0/19'), cidr('10.0.0.0/16'))).toBe(false);
    expect(cidrOverlaps(cidr('10.0.64.0/19'), cidr('10.0.0.0/16'))).toBe(true);
    expect(cidrOverlaps(cidr('10.0.64.0/19'), cidr('10.0.96.0/19'))).toBe(false);
  });

  it.each([
    ['203.0.113.7', true],
    ['203.0.113.0/24', true],
    ['2001:db8::/32', true],
    ['::/0', true],
    ['2001:db8::/129', false],
    ['example.com', false],
    ['1.2.3.4/x', false],
  ])('isIpOrCidr(%s) = %s', (text, expected) => {
    expect(isIpOrCidr(text)).toBe(expected);
  });
});

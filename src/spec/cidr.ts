/**
 * A small IPv4 CIDR toolkit for the address plan. Addresses are unsigned 32-bit numbers;
 * the helpers mirror Terraform's cidrsubnet/cidrhost so layouts match the reference module.
 */
import { isIPv6 } from 'node:net';

export interface Ipv4Cidr {
  /** The network address (host bits cleared). */
  readonly address: number;
  readonly prefix: number;
}

const IPV4_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseIpv4(text: string): number | undefined {
  const match = IPV4_PATTERN.exec(text);
  if (!match) return undefined;
  let value = 0;
  for (const part of match.slice(1)) {
    if (part.length > 1 && part.startsWith('0')) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

function blockSize(prefix: number): number {
  return 2 ** (32 - prefix);
}

/** Parses `a.b.c.d/n`. With `strict`, host bits must be zero (10.0.0.1/16 is rejected). */
export function parseIpv4Cidr(text: string, strict = true): Ipv4Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const address = parseIpv4(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (address === undefined || !/^\d{1,2}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > 32) return undefined;
  const network = address - (address % blockSize(prefix));
  if (strict && network !== address) return undefined;
  return { address: network, prefix };
}

export function formatCidr(cidr: Ipv4Cidr): string {
  return `${formatIpv4(cidr.address)}/${cidr.prefix}`;
}

/** Terraform's cidrsubnet(prefix, newbits, netnum). */
export function cidrSubnet(parent: Ipv4Cidr, newBits: number, index: number): Ipv4Cidr {
  const prefix = parent.prefix + newBits;
  if (newBits < 0 || prefix > 32) throw new Error(`cannot add ${newBits} bits to /${parent.prefix}`);
  if (index < 0 || index >= 2 ** newBits) throw new Error(`subnet index ${index} out of range`);
  return { address: parent.address + index * blockSize(prefix), prefix };
}

/** Terraform's cidrhost(prefix, hostnum); a negative hostnum counts back from the end. */
export function cidrHost(cidr: Ipv4Cidr, hostNumber: number): string {
  const size = blockSize(cidr.prefix);
  const offset = hostNumber < 0 ? size + hostNumber : hostNumber;
  if (offset < 0 || offset >= size) throw new Error(`host ${hostNumber} is outside ${formatCidr(cidr)}`);
  return formatIpv4(cidr.address + offset);
}

export function cidrContains(outer: Ipv4Cidr, inner: Ipv4Cidr): boolean {
  return (
    inner.prefix >= outer.prefix &&
    inner.address >= outer.address &&
    inner.address + blockSize(inner.prefix) <= outer.address + blockSize(outer.prefix)
  );
}

export function cidrOverlaps(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return cidrContains(a, b) || cidrContains(b, a);
}

/** How many subnets of `prefix` fit in `cidr`. */
export function subnetCount(cidr: Ipv4Cidr, prefix: number): number {
  return prefix < cidr.prefix ? 0 : 2 ** (prefix - cidr.prefix);
}

/** An IPv4 or IPv6 address with an optional prefix length, as firewall rules accept. */
export function isIpOrCidr(text: string): boolean {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const prefixText = slash < 0 ? undefined : text.slice(slash + 1);
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return false;
  const prefix = prefixText === undefined ? undefined : Number(prefixText);
  if (parseIpv4(address) !== undefined) return prefix === undefined || prefix <= 32;
  if (isIPv6(address)) return prefix === undefined || prefix <= 128;
  return false;
}

export function isIpAddress(text: string): boolean {
  return parseIpv4(text) !== undefined || isIPv6(text);
}

/** IPv4 arithmetic for private networks and the loopback address pools. */

export interface Cidr {
  base: number;
  prefix: number;
}

export function ipToInt(ip: string): number | null {
  const parts = ip.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    value = value * 256 + n;
  }
  return value;
}

export function intToIp(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

export function parseCidr(text: string): Cidr | null {
  const [ip, prefixText] = text.split('/');
  if (ip === undefined || prefixText === undefined || !/^\d{1,2}$/.test(prefixText)) return null;
  const base = ipToInt(ip);
  const prefix = Number(prefixText);
  if (base === null || prefix > 32) return null;
  if (base % cidrSize({ base, prefix }) !== 0) return null;
  return { base, prefix };
}

export function cidrSize(cidr: Cidr): number {
  return 2 ** (32 - cidr.prefix);
}

export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return inner.base >= outer.base && inner.base + cidrSize(inner) <= outer.base + cidrSize(outer);
}

export function cidrContainsIp(cidr: Cidr, ip: number): boolean {
  return ip >= cidr.base && ip < cidr.base + cidrSize(cidr);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + cidrSize(b) && b.base < a.base + cidrSize(a);
}

export function formatCidr(cidr: Cidr): string {
  return `${intToIp(cidr.base)}/${cidr.prefix}`;
}

const RFC1918 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map((c) => parseCidr(c) as Cidr);

export function isPrivateRange(cidr: Cidr): boolean {
  return RFC1918.some((r) => cidrContains(r, cidr));
}

/**
 * The n-th usable address of a loopback pool starting at `start` (e.g. 127.20.0.2): skips .0, .1
 * and .255 in every /24 so no simulated node ever lands on 127.0.0.1 or a broadcast-looking address.
 */
export function loopbackAddress(start: string, n: number): string {
  let value = ipToInt(start) ?? 0;
  let remaining = n;
  for (;;) {
    const last = value % 256;
    if (last >= 2 && last <= 254) {
      if (remaining === 0) return intToIp(value);
      remaining--;
    }
    value++;
  }
}

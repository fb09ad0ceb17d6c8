/** Reverse DNS of floating and primary IPs: one IPv4 address, or an IPv6 /64 network. */
import { invalidField } from '../api-error.js';
import type { DnsPtrRec } from '../types.js';
import { defaultIpv4Ptr } from './server-view.js';

interface AddressRec {
  type: 'ipv4' | 'ipv6';
  /** An address for ipv4, a `/64` network (`2a01:…::/64`) for ipv6. */
  ip: string;
  dns_ptr: DnsPtrRec[];
}

/** The entries as the API shows them: an IPv4 address without its own entry has Hetzner's default. */
export function renderDnsPtrs(rec: AddressRec): DnsPtrRec[] {
  return rec.type === 'ipv4' && !rec.dns_ptr.some((p) => p.ip === rec.ip)
    ? [...rec.dns_ptr, { ip: rec.ip, dns_ptr: defaultIpv4Ptr(rec.ip) }]
    : rec.dns_ptr;
}

/**
 * Sets the PTR of one address of the record, or clears it with `null`. Refuses an address that is
 * not the record's; `owner` names the record in that error (e.g. `floating IP`).
 */
export function changeDnsPtr(
  rec: AddressRec,
  input: { ip: string; dns_ptr: string | null },
  owner: string,
): void {
  const belongs =
    rec.type === 'ipv4' ? input.ip === rec.ip : input.ip.startsWith(rec.ip.replace(/::\/64$/, ':'));
  if (!belongs) throw invalidField('ip', `the IP address does not belong to this ${owner}`);
  rec.dns_ptr = rec.dns_ptr.filter((e) => e.ip !== input.ip);
  if (input.dns_ptr !== null) rec.dns_ptr.push({ ip: input.ip, dns_ptr: input.dns_ptr });
}

/**
 * Reverse DNS templates, with the reference module's placeholders. Values that are only known
 * once a server exists ({{ id }}, {{ ip-labels }}) come from observation; until then the record
 * is set by the create action itself.
 */
export interface RdnsContext {
  clusterDomain: string;
  clusterName: string;
  hostname: string;
  pool: string;
  role: string;
  ipType: 'ipv4' | 'ipv6';
  id?: string;
  ip?: string;
}

function ipLabels(ip: string): string {
  if (!ip.includes(':')) return ip.split('.').reverse().join('.');
  const groups = ip.split('::');
  const head = (groups[0] ?? '').split(':').filter(Boolean);
  const tail = (groups[1] ?? '').split(':').filter(Boolean);
  const full = [...head, ...Array(8 - head.length - tail.length).fill('0'), ...tail];
  return full
    .map((g) => g.padStart(4, '0'))
    .join('')
    .split('')
    .reverse()
    .join('.');
}

function values(ctx: Partial<RdnsContext>): Record<string, string | undefined> {
  return {
    'cluster-domain': ctx.clusterDomain,
    'cluster-name': ctx.clusterName,
    hostname: ctx.hostname,
    pool: ctx.pool,
    role: ctx.role,
    'ip-type': ctx.ipType,
    id: ctx.id,
    'ip-labels': ctx.ip ? ipLabels(ctx.ip) : undefined,
  };
}

const PLACEHOLDER = /\{\{\s*([a-z-]+)\s*\}\}/g;

/** Substitutes what is known and leaves the other placeholders for later (a new server's id). */
export function fillRdns(template: string, ctx: Partial<RdnsContext>): string {
  const known = values(ctx);
  return template.replace(PLACEHOLDER, (match, name: string) => known[name] ?? match);
}

/** Returns the PTR value, or undefined while it needs a value that is not known yet. */
export function renderRdns(template: string, ctx: Partial<RdnsContext>): string | undefined {
  const filled = fillRdns(template, ctx);
  return filled.includes('{{') ? undefined : filled;
}

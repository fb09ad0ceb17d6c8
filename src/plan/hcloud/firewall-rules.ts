/**
 * The cluster firewall's rules: the Kubernetes API (6443) and Talos API (50000) open only to the
 * operator's sources, plus the user's extra rules. Keyed like the reference module
 * (direction-protocol-port) so duplicates collapse.
 */
import type { JsonObject } from '../types.js';
import type { FirewallRuleSpec, InfraFacts, InfraSpec } from './infra-spec.js';

const ANYWHERE = ['0.0.0.0/0', '::/0'];

function hostCidr(ip: string): string {
  return ip.includes(':') ? `${ip.split(':').slice(0, 4).join(':')}::/64` : `${ip}/32`;
}

/** Sources for the API ports: explicit lists win; otherwise the operator's own addresses. */
export function apiSources(spec: InfraSpec, facts: InfraFacts): { kube: string[]; talos: string[] } {
  const fw = spec.firewall;
  const explicit = fw.apiSources ?? fw.kubeApiSources ?? fw.talosApiSources;
  const current: string[] = [];
  if (!explicit) {
    if (fw.useCurrentIpv4 !== false && facts.operatorIpv4) current.push(hostCidr(facts.operatorIpv4));
    if (fw.useCurrentIpv6 !== false && facts.operatorIpv6) current.push(hostCidr(facts.operatorIpv6));
  }
  const base = fw.apiSources ?? current;
  return { kube: fw.kubeApiSources ?? base, talos: fw.talosApiSources ?? base };
}

/** `in-tcp-6443`: rules are keyed like the reference module, so a plan diff names the rule. */
export function firewallRuleKey(rule: { direction: string; protocol: string; port?: string | null }): string {
  return `${rule.direction}-${rule.protocol}-${rule.port ?? 'any'}`;
}

const ruleKey = (rule: FirewallRuleSpec) => firewallRuleKey(rule);

function toHetzner(rule: FirewallRuleSpec): JsonObject {
  const ips = rule.direction === 'in' ? rule.sourceIps : rule.destinationIps;
  const out: JsonObject = {
    direction: rule.direction,
    protocol: rule.protocol,
    [rule.direction === 'in' ? 'source_ips' : 'destination_ips']: [
      ...(ips.length > 0 ? ips : ANYWHERE),
    ].sort(),
  };
  if (rule.port !== undefined) out.port = rule.port;
  if (rule.description) out.description = rule.description;
  return out;
}

/** The rules by key (`in-tcp-6443`), in key order. */
export function firewallRules(spec: InfraSpec, facts: InfraFacts): JsonObject {
  const sources = apiSources(spec, facts);
  const rules = new Map<string, FirewallRuleSpec>();
  const add = (rule: FirewallRuleSpec) => {
    const existing = rules.get(ruleKey(rule));
    if (!existing) rules.set(ruleKey(rule), { ...rule });
    else {
      existing.sourceIps = [...new Set([...existing.sourceIps, ...rule.sourceIps])];
      existing.destinationIps = [...new Set([...existing.destinationIps, ...rule.destinationIps])];
    }
  };
  if (sources.kube.length > 0) {
    add({
      description: 'Kubernetes API',
      direction: 'in',
      protocol: 'tcp',
      port: '6443',
      sourceIps: sources.kube,
      destinationIps: [],
    });
  }
  if (sources.talos.length > 0) {
    add({
      description: 'Talos API',
      direction: 'in',
      protocol: 'tcp',
      port: '50000',
      sourceIps: sources.talos,
      destinationIps: [],
    });
  }
  for (const rule of spec.firewall.extraRules) add(rule);
  const out: JsonObject = {};
  for (const key of [...rules.keys()].sort()) out[key] = toHetzner(rules.get(key) as FirewallRuleSpec);
  return out;
}

/**
 * The cluster firewall (`firewall.main`): the Kubernetes API (6443) and Talos API (50000) open only
 * to the operator's sources, plus the user's extra rules; applied to the cluster's servers by label
 * selector. Rules are kept by key (`in-tcp-6443`, as the reference module keys them) so that a plan
 * diff names the rule that changed instead of a shifted list.
 */
import type { ResourceRecord } from '../../execute/runner.js';
import type { DesiredResource, Json, JsonObject } from '../../plan/types.js';
import type { Firewall } from '../../providers/hcloud/index.js';
import type { DriverContext, HcloudResourceModule } from '../types.js';
import { createLabels, findByAddress, settle } from './driver-kit.js';
import type { DesiredContext, FirewallRuleSpec, InfraFacts, InfraSpec } from './infra-spec.js';
import { addresses, LABEL_ROLE } from './names.js';
import { changed, desiredLabels, labelsOf, listed, obj, stableLabels, str } from './props.js';

/** A rule as props keep it and as Hetzner takes and returns it (`set_rules`, `rules[]`). */
export type FirewallRule = {
  direction: 'in' | 'out';
  protocol: 'tcp' | 'udp' | 'icmp' | 'gre' | 'esp';
  source_ips?: string[];
  destination_ips?: string[];
  port?: string;
  description?: string;
};

const DIRECTIONS = ['in', 'out'] as const;
const PROTOCOLS = ['tcp', 'udp', 'icmp', 'gre', 'esp'] as const;
const ANYWHERE = ['0.0.0.0/0', '::/0'];

/** The one way a rule is built, from the spec or from Hetzner: same fields, same order. */
function firewallRule(r: {
  direction: FirewallRule['direction'];
  protocol: FirewallRule['protocol'];
  ips: readonly string[];
  port?: string | null;
  description?: string | null;
}): FirewallRule {
  const rule: FirewallRule = { direction: r.direction, protocol: r.protocol };
  if (r.direction === 'in') rule.source_ips = [...r.ips].sort();
  else rule.destination_ips = [...r.ips].sort();
  if (r.port !== undefined && r.port !== null) rule.port = r.port;
  if (r.description) rule.description = r.description;
  return rule;
}

/** `in-tcp-6443`: rules are keyed like the reference module, so a plan diff names the rule. */
export function firewallRuleKey(rule: { direction: string; protocol: string; port?: string | null }): string {
  return `${rule.direction}-${rule.protocol}-${rule.port ?? 'any'}`;
}

function oneOf<T extends string>(value: Json | undefined, allowed: readonly T[], what: string): T {
  const found = allowed.find((a) => a === value);
  if (found === undefined) throw new Error(`firewall rule: unexpected ${what} ${JSON.stringify(value)}`);
  return found;
}

function strings(value: Json | undefined): string[] {
  return Array.isArray(value) ? value.map((v) => str(v)) : [];
}

/** A rule back from props (a bug in the plan if it is not one). */
function parseRule(value: Json | undefined): FirewallRule {
  const o = obj(value);
  const direction = oneOf(o.direction, DIRECTIONS, 'direction');
  return firewallRule({
    direction,
    protocol: oneOf(o.protocol, PROTOCOLS, 'protocol'),
    ips: strings(direction === 'in' ? o.source_ips : o.destination_ips),
    port: typeof o.port === 'string' ? o.port : undefined,
    description: typeof o.description === 'string' ? o.description : undefined,
  });
}

function hostCidr(ip: string): string {
  return ip.includes(':') ? `${ip.split(':').slice(0, 4).join(':')}::/64` : `${ip}/32`;
}

/**
 * Sources for the API ports: the explicit lists, plus the operator's own addresses when
 * `useCurrentIpv4/6` says so (unset: only when no list is given).
 */
export function apiSources(spec: InfraSpec, facts: InfraFacts): { kube: string[]; talos: string[] } {
  const fw = spec.firewall;
  const explicit = (fw.apiSources ?? fw.kubeApiSources ?? fw.talosApiSources) !== undefined;
  const current: string[] = [];
  if ((fw.useCurrentIpv4 ?? !explicit) && facts.operatorIpv4) current.push(hostCidr(facts.operatorIpv4));
  if ((fw.useCurrentIpv6 ?? !explicit) && facts.operatorIpv6) current.push(hostCidr(facts.operatorIpv6));
  return {
    kube: [...(fw.kubeApiSources ?? fw.apiSources ?? []), ...current],
    talos: [...(fw.talosApiSources ?? fw.apiSources ?? []), ...current],
  };
}

function fromSpec(rule: FirewallRuleSpec): FirewallRule {
  const ips = rule.direction === 'in' ? rule.sourceIps : rule.destinationIps;
  return firewallRule({ ...rule, ips: ips.length > 0 ? ips : ANYWHERE });
}

function apiRule(description: string, port: string, sourceIps: string[]): FirewallRuleSpec {
  return { description, direction: 'in', protocol: 'tcp', port, sourceIps, destinationIps: [] };
}

/** The rules by key (`in-tcp-6443`), in key order. Rules with the same key merge their addresses. */
export function firewallRules(spec: InfraSpec, facts: InfraFacts): Record<string, FirewallRule> {
  const sources = apiSources(spec, facts);
  const rules = new Map<string, FirewallRuleSpec>();
  const add = (rule: FirewallRuleSpec) => {
    const existing = rules.get(firewallRuleKey(rule));
    if (!existing) rules.set(firewallRuleKey(rule), { ...rule });
    else {
      existing.sourceIps = [...new Set([...existing.sourceIps, ...rule.sourceIps])];
      existing.destinationIps = [...new Set([...existing.destinationIps, ...rule.destinationIps])];
    }
  };
  if (sources.kube.length > 0) add(apiRule('Kubernetes API', '6443', sources.kube));
  if (sources.talos.length > 0) add(apiRule('Talos API', '50000', sources.talos));
  for (const rule of spec.firewall.extraRules) add(rule);
  return byKey([...rules.values()].map(fromSpec));
}

function byKey(rules: FirewallRule[]): Record<string, FirewallRule> {
  const out: Record<string, FirewallRule> = {};
  const keyed = rules.map((rule) => [firewallRuleKey(rule), rule] as const);
  for (const [key, rule] of keyed.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) out[key] = rule;
  return out;
}

function desired(ctx: DesiredContext): DesiredResource[] {
  const address = addresses.firewall;
  const cluster = ctx.spec.cluster.name;
  return [
    {
      address,
      type: 'firewall',
      dependsOn: [],
      props: {
        name: cluster,
        labels: desiredLabels(ctx, address),
        rules: firewallRules(ctx.spec, ctx.facts),
        apply_to: [{ type: 'label_selector', label_selector: `hk8s.io/cluster=${cluster},${LABEL_ROLE}` }],
      },
    },
  ];
}

export function firewallProps(f: Firewall): JsonObject {
  const rules = byKey(
    f.rules.map((r) =>
      firewallRule({ ...r, ips: (r.direction === 'in' ? r.source_ips : r.destination_ips) ?? [] }),
    ),
  );
  const applyTo = f.applied_to
    .filter((a) => a.type === 'label_selector' && a.label_selector)
    .map((a) => ({ type: 'label_selector', label_selector: a.label_selector?.selector ?? '' }));
  return { name: f.name, labels: stableLabels(f.labels), rules, apply_to: applyTo };
}

/** Props keep rules by key (for readable diffs); Hetzner takes a list, in key order. */
function ruleList(value: Json | undefined): FirewallRule[] {
  const keyed = obj(value);
  return Object.keys(keyed)
    .sort()
    .map((key) => parseRule(keyed[key]));
}

type ApplyTo = { type: 'label_selector'; label_selector: { selector: string } };

function applyTo(value: Json | undefined): ApplyTo[] {
  return (Array.isArray(value) ? value : []).map((a) => ({
    type: 'label_selector' as const,
    label_selector: { selector: str(obj(a).label_selector) },
  }));
}

/** Whether the firewall now applies to every (`present`) or none (`!present`) of these selectors. */
function appliedCheck(ctx: DriverContext, id: number, targets: ApplyTo[], present: boolean) {
  return async () => {
    const fw = await ctx.api.firewalls.get(id);
    const selectors = new Set((fw?.applied_to ?? []).map((a) => a.label_selector?.selector));
    return targets.every((t) => selectors.has(t.label_selector.selector) === present);
  };
}

async function removeFrom(ctx: DriverContext, id: number, targets: ApplyTo[]): Promise<void> {
  if (targets.length === 0) return;
  await settle(
    ctx,
    ctx.api.firewalls.removeFromResources(
      id,
      { remove_from: targets },
      { where: ctx.address, verify: appliedCheck(ctx, id, targets, false) },
    ),
  );
}

function record(ctx: DriverContext, f: Firewall): ResourceRecord {
  return { address: ctx.address, type: 'firewall', id: String(f.id), attrs: { name: f.name } };
}

export const firewall: HcloudResourceModule<'firewall'> = {
  type: 'firewall',
  rules: { immutable: [], createOnly: [], deleteRank: 1, drainBeforeDelete: false },
  desired,
  observe: {
    noun: 'firewall',
    list: async (api, filter) =>
      (await api.firewalls.list(filter)).map((f) => listed(f, () => firewallProps(f))),
  },
  driver: {
    async create(ctx, props) {
      const { resource, actions } = await ctx.api.firewalls.create(
        {
          name: str(props.name),
          labels: createLabels(ctx, props),
          rules: ruleList(props.rules),
          apply_to: applyTo(props.apply_to),
        },
        ctx.address,
        { where: ctx.address, signal: ctx.run.signal },
      );
      await settle(ctx, Promise.resolve({ actions }));
      return record(ctx, resource);
    },
    async update(ctx, action) {
      const id = Number(action.resourceId);
      const { before, after } = action;
      if (changed(before, after, 'rules')) {
        await settle(
          ctx,
          ctx.api.firewalls.setRules(id, { rules: ruleList(after.rules) }, { where: ctx.address }),
        );
      }
      if (changed(before, after, 'apply_to')) {
        await removeFrom(ctx, id, applyTo(before.apply_to));
        const next = applyTo(after.apply_to);
        if (next.length > 0)
          await settle(
            ctx,
            ctx.api.firewalls.applyToResources(
              id,
              { apply_to: next },
              { where: ctx.address, verify: appliedCheck(ctx, id, next, true) },
            ),
          );
      }
      const updated = await ctx.api.firewalls.update(
        id,
        { name: str(after.name), labels: labelsOf(after.labels) },
        { where: ctx.address },
      );
      return record(ctx, updated);
    },
    async delete(ctx, id, before) {
      // Hetzner refuses to delete a firewall that is still applied.
      await removeFrom(ctx, Number(id), applyTo(before.apply_to));
      await settle(ctx, ctx.api.firewalls.delete(Number(id), { where: ctx.address }));
    },
    async find(ctx) {
      const found = await findByAddress(ctx, (f) => ctx.api.firewalls.list(f));
      return found && record(ctx, found);
    },
  },
};

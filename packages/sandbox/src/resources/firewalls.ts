/** Firewalls: rules, application to servers directly or by label selector. */
import { DURATIONS, assertUnlocked, ref, startAction } from '../actions.js';
import { ApiError, invalidField, resourceLimitExceeded, unprocessable } from '../api-error.js';
import type { Handler, HandlerRequest, SimContext } from '../context.js';
import { parseSelector, selectorMatches, validateLabels } from '../labels.js';
import type { ActionRec, FirewallApplyRec, FirewallRec, FirewallRuleRec, World } from '../types.js';
import { isoTime, nextId } from '../world.js';
import { actionBody, assertNameFree, ok, standardSort } from './common.js';
import { findTarget, getHandler, listHandler, removeHandler, resourceKind, updateHandler } from './crud.js';
import { serverFirewallIds } from './server-view.js';

const MAX_RULES = 50;
const MAX_IPS = 100;
const MAX_FIREWALLS_PER_SERVER = 5;
const PORT = /^(\d{1,5})(-(\d{1,5}))?$/;

interface RuleInput {
  direction: 'in' | 'out';
  protocol: FirewallRuleRec['protocol'];
  port?: string | null;
  source_ips?: string[];
  destination_ips?: string[];
  description?: string | null;
}

interface ApplyInput {
  type: 'server' | 'label_selector';
  server?: { id: number };
  label_selector?: { selector: string };
}

function isCidr(text: string): boolean {
  const [addr = '', prefix] = text.split('/');
  if (prefix !== undefined && !/^\d{1,3}$/.test(prefix)) return false;
  if (addr.includes(':')) return /^[0-9a-fA-F:]+$/.test(addr) && Number(prefix ?? 128) <= 128;
  return (
    /^(\d{1,3}\.){3}\d{1,3}$/.test(addr) &&
    addr.split('.').every((p) => Number(p) <= 255) &&
    Number(prefix ?? 32) <= 32
  );
}

function buildRules(inputs: RuleInput[] | undefined): FirewallRuleRec[] {
  const rules = inputs ?? [];
  if (rules.length > MAX_RULES) throw invalidField('rules', `at most ${MAX_RULES} rules are allowed`);
  return rules.map((r, i) => {
    const field = `rules.${i}`;
    const portful = r.protocol === 'tcp' || r.protocol === 'udp';
    const port = r.port ?? null;
    if (portful && port === null) throw invalidField(`${field}.port`, 'port is required for tcp and udp');
    if (!portful && port !== null)
      throw invalidField(`${field}.port`, 'port is only allowed for tcp and udp');
    if (port !== null && port !== 'any') {
      const m = PORT.exec(port);
      const low = Number(m?.[1]);
      const high = m?.[3] === undefined ? low : Number(m[3]);
      if (!m || low < 1 || high > 65535 || low > high)
        throw invalidField(`${field}.port`, 'invalid port or port range');
    }
    const ips = r.direction === 'in' ? (r.source_ips ?? []) : (r.destination_ips ?? []);
    const ipField = r.direction === 'in' ? 'source_ips' : 'destination_ips';
    if (ips.length === 0)
      throw invalidField(`${field}.${ipField}`, `${ipField} is required for direction ${r.direction}`);
    if (ips.length > MAX_IPS)
      throw invalidField(`${field}.${ipField}`, `at most ${MAX_IPS} entries are allowed`);
    const bad = ips.find((ip) => !isCidr(ip));
    if (bad) throw invalidField(`${field}.${ipField}`, `'${bad}' is not a valid CIDR`);
    return {
      direction: r.direction,
      protocol: r.protocol,
      port,
      source_ips: r.direction === 'in' ? ips : [],
      destination_ips: r.direction === 'out' ? ips : [],
      description: r.description ?? null,
    };
  });
}

function firewallResourceNotFound(id: number): ApiError {
  return new ApiError(404, 'firewall_resource_not_found', `server with ID ${id} not found`);
}

function buildApply(
  world: World,
  firewall: FirewallRec | undefined,
  inputs: ApplyInput[],
): FirewallApplyRec[] {
  return inputs.map((a) => {
    if (a.type === 'server') {
      const id = a.server?.id;
      if (id === undefined) throw invalidField('apply_to.server', 'server is required');
      const server = world.servers[id];
      if (!server) throw firewallResourceNotFound(id);
      if (firewall?.apply_to.some((x) => x.type === 'server' && x.server === id)) {
        throw unprocessable('firewall_already_applied', `firewall is already applied to server ${id}`);
      }
      const count = serverFirewallIds(world, server).filter((f) => f !== firewall?.id).length;
      if (count >= MAX_FIREWALLS_PER_SERVER) {
        throw resourceLimitExceeded(
          'firewalls_per_server',
          `server ${id} already has ${MAX_FIREWALLS_PER_SERVER} firewalls`,
        );
      }
      return { type: 'server', server: id };
    }
    const selector = a.label_selector?.selector;
    if (selector === undefined) throw invalidField('apply_to.label_selector', 'label_selector is required');
    parseSelector(selector, 'apply_to.label_selector.selector');
    if (firewall?.apply_to.some((x) => x.type === 'label_selector' && x.selector === selector)) {
      throw unprocessable('firewall_already_applied', 'firewall is already applied to this label selector');
    }
    return { type: 'label_selector', selector };
  });
}

function applyActions(
  ctx: SimContext,
  fw: FirewallRec,
  entries: FirewallApplyRec[],
  command: string,
): ActionRec[] {
  return entries.map((entry) =>
    startAction(ctx, {
      command,
      durationMs: DURATIONS.firewall,
      resources:
        entry.type === 'server'
          ? [ref('firewall', fw.id), ref('server', entry.server)]
          : [ref('firewall', fw.id)],
      locks: [ref('firewall', fw.id)],
    }),
  );
}

export function renderFirewall(world: World, fw: FirewallRec): Record<string, unknown> {
  return {
    id: fw.id,
    name: fw.name,
    labels: fw.labels,
    created: fw.created,
    rules: fw.rules,
    applied_to: fw.apply_to.map((a) =>
      a.type === 'server'
        ? { type: 'server', server: { id: a.server } }
        : {
            type: 'label_selector',
            label_selector: { selector: a.selector },
            applied_to_resources: Object.values(world.servers)
              .filter((s) => selectorMatches(s.labels, a.selector))
              .map((s) => ({ type: 'server', server: { id: s.id } })),
          },
    ),
  };
}

const firewalls = resourceKind('firewalls', 'firewall', 'Firewall', renderFirewall);

const create: Handler = ({ ctx, body }) => {
  const { world } = ctx;
  const input = body as {
    name: string;
    labels?: Record<string, string>;
    rules?: RuleInput[];
    apply_to?: ApplyInput[];
  };
  if (input.name.length > 128) throw invalidField('name', 'name must be at most 128 characters');
  assertNameFree(world.firewalls, input.name);
  const labels = validateLabels(input.labels);
  const rules = buildRules(input.rules);
  const applyTo = buildApply(world, undefined, input.apply_to ?? []);
  const fw: FirewallRec = {
    id: nextId(world, 'firewall'),
    name: input.name,
    labels,
    created: isoTime(ctx.now),
    rules,
    apply_to: applyTo,
  };
  world.firewalls[fw.id] = fw;
  const actions = applyActions(ctx, fw, applyTo, 'apply_firewall');
  return ok(
    { firewall: renderFirewall(world, fw), actions: actions.map((a) => actionBody(a, ctx.now)) },
    201,
  );
};

const list = listHandler(firewalls, { sort: standardSort() });

const get = getHandler(firewalls);

const update = updateHandler(firewalls);

const remove = removeHandler(firewalls, (world, fw) => {
  assertUnlocked(world, ref('firewall', fw.id));
  if (fw.apply_to.length > 0)
    throw unprocessable('resource_in_use', 'firewall is still applied to resources');
});

function firewallAction(req: HandlerRequest, run: (fw: FirewallRec) => ActionRec[]) {
  const { ctx } = req;
  const fw = findTarget(req, firewalls);
  assertUnlocked(ctx.world, ref('firewall', fw.id));
  const actions = run(fw);
  return ok({ actions: actions.map((a) => actionBody(a, ctx.now)) }, 201);
}

const setRules: Handler = (req) =>
  firewallAction(req, (fw) => {
    fw.rules = buildRules((req.body as { rules: RuleInput[] }).rules);
    const setAction = startAction(req.ctx, {
      command: 'set_firewall_rules',
      durationMs: DURATIONS.firewall,
      resources: [ref('firewall', fw.id)],
    });
    return [setAction, ...applyActions(req.ctx, fw, fw.apply_to, 'apply_firewall')];
  });

const applyToResources: Handler = (req) =>
  firewallAction(req, (fw) => {
    const entries = buildApply(req.ctx.world, fw, (req.body as { apply_to: ApplyInput[] }).apply_to);
    fw.apply_to.push(...entries);
    return applyActions(req.ctx, fw, entries, 'apply_firewall');
  });

const removeFromResources: Handler = (req) =>
  firewallAction(req, (fw) => {
    const inputs = (req.body as { remove_from: ApplyInput[] }).remove_from;
    const removed = inputs.map((a) => {
      const index = fw.apply_to.findIndex((x) =>
        a.type === 'server'
          ? x.type === 'server' && x.server === a.server?.id
          : x.type === 'label_selector' && x.selector === a.label_selector?.selector,
      );
      const found = fw.apply_to[index];
      if (!found) {
        if (a.type === 'server') throw firewallResourceNotFound(a.server?.id ?? 0);
        throw unprocessable('firewall_resource_not_found', 'firewall is not applied to this label selector');
      }
      fw.apply_to.splice(index, 1);
      return found;
    });
    return applyActions(req.ctx, fw, removed, 'remove_firewall');
  });

export const firewallHandlers: Record<string, Handler> = {
  list_firewalls: list,
  create_firewall: create,
  get_firewall: get,
  replace_firewall: update,
  delete_firewall: remove,
  set_rules: setRules,
  apply_to_resources: applyToResources,
  remove_from_resources: removeFromResources,
};

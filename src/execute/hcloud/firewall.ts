/** The cluster firewall: rules via set_rules, where it applies via label selectors. */
import type { ResourceRecord } from '../runner.js';
import type { Json, JsonObject } from '../../plan/types.js';
import { ADDRESS_LABEL, type Firewall } from '../../providers/hcloud/index.js';
import { changed, createLabels, settle, str, type DriverContext } from './context.js';
import type { Driver } from './driver.js';

type Rules = Parameters<DriverContext['api']['firewalls']['setRules']>[1]['rules'];
type ApplyTo = Parameters<DriverContext['api']['firewalls']['applyToResources']>[1]['apply_to'];

/** Props keep rules by key (for readable diffs); Hetzner takes a list. */
function rules(value: Json | undefined): Rules {
  const keyed = value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
  return Object.keys(keyed)
    .sort()
    .map((key) => keyed[key]) as unknown as Rules;
}

function applyTo(value: Json | undefined): ApplyTo {
  return ((value ?? []) as JsonObject[]).map((a) => ({
    type: 'label_selector' as const,
    label_selector: { selector: str(a.label_selector) },
  }));
}

/** Whether the firewall now applies to every (`present`) or none (`!present`) of these selectors. */
function appliedCheck(ctx: DriverContext, id: number, targets: ApplyTo, present: boolean) {
  return async () => {
    const fw = await ctx.api.firewalls.get(id);
    const selectors = new Set((fw?.applied_to ?? []).map((a) => a.label_selector?.selector));
    return targets.every((t) => selectors.has(t.label_selector?.selector) === present);
  };
}

function record(ctx: DriverContext, f: Firewall): ResourceRecord {
  return { address: ctx.address, type: 'firewall', id: String(f.id), attrs: { name: f.name } };
}

export const firewallDriver: Driver = {
  async create(ctx, props) {
    const { resource, actions } = await ctx.api.firewalls.create(
      {
        name: str(props.name),
        labels: createLabels(ctx, props),
        rules: rules(props.rules),
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
        ctx.api.firewalls.setRules(id, { rules: rules(after.rules) }, { where: ctx.address }),
      );
    }
    if (changed(before, after, 'apply_to')) {
      const old = applyTo(before.apply_to);
      if (old.length > 0)
        await settle(
          ctx,
          ctx.api.firewalls.removeFromResources(
            id,
            { remove_from: old },
            { where: ctx.address, verify: appliedCheck(ctx, id, old, false) },
          ),
        );
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
      { name: str(after.name), labels: after.labels as Record<string, string> },
      { where: ctx.address },
    );
    return record(ctx, updated);
  },
  async delete(ctx, id, before) {
    // Hetzner refuses to delete a firewall that is still applied.
    const applied = applyTo(before.apply_to);
    if (applied.length > 0) {
      await settle(
        ctx,
        ctx.api.firewalls.removeFromResources(
          Number(id),
          { remove_from: applied },
          { where: ctx.address, verify: appliedCheck(ctx, Number(id), applied, false) },
        ),
      );
    }
    await settle(ctx, ctx.api.firewalls.delete(Number(id), { where: ctx.address }));
  },
  async find(ctx) {
    const [found] = await ctx.api.firewalls.list({ labelSelector: `${ADDRESS_LABEL}=${ctx.address}` });
    return found && record(ctx, found);
  },
};

/**
 * Shared helpers for the Hetzner drivers: resolving references, waiting for actions, labels.
 */
import type { RunContext } from '../runner.js';
import type { Json, JsonObject } from '../../plan/types.js';
import { LABEL_RUN } from '../../plan/hcloud/names.js';
import type { Action as HcloudAction, HcloudApi } from '../../providers/hcloud/index.js';

export interface DriverContext {
  api: HcloudApi;
  run: RunContext;
  address: string;
}

/** The numeric id behind a `{ $ref }` (or undefined for null). A missing one is a bug in the plan. */
export function refId(ctx: DriverContext, value: Json | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'object' || Array.isArray(value) || typeof value.$ref !== 'string') {
    throw new Error(`${ctx.address}: expected a reference, got ${JSON.stringify(value)}`);
  }
  const id = ctx.run.idOf(value.$ref);
  if (id === undefined)
    throw new Error(`${ctx.address}: ${value.$ref} has no id yet (it should have been created first)`);
  return Number(id);
}

export async function settle(
  ctx: DriverContext,
  pending: Promise<{ actions: HcloudAction[] }>,
): Promise<void> {
  const { actions } = await pending;
  if (actions.length > 0)
    await ctx.api.waitForActions(
      actions.map((a) => a.id),
      { signal: ctx.run.signal },
    );
}

/** The labels a create sends: the desired ones plus the run that made it. */
export function createLabels(ctx: DriverContext, props: JsonObject): Record<string, string> {
  return { ...(props.labels as Record<string, string>), [LABEL_RUN]: ctx.run.run };
}

export function str(value: Json | undefined): string {
  return typeof value === 'string' ? value : String(value ?? '');
}

export function obj(value: Json | undefined): JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
}

export function changed(before: JsonObject, after: JsonObject, key: string): boolean {
  return JSON.stringify(before[key]) !== JSON.stringify(after[key]);
}

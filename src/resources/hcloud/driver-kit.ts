/**
 * Shared helpers for the Hetzner drivers: resolving references, waiting for actions, labels.
 * Only types come from the client: the driver is handed an `HcloudApi` at run time.
 */
import type { ResourceRecord } from '../../execute/runner.js';
import type { Json, JsonObject } from '../../plan/types.js';
import type { Action as HcloudAction } from '../../providers/hcloud/index.js';
import type { DriverContext } from '../types.js';
import { LABEL_ADDRESS, LABEL_CLUSTER, LABEL_RUN } from './names.js';
import { labelsOf } from './props.js';

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
  return { ...labelsOf(props.labels), [LABEL_RUN]: ctx.run.run };
}

/** The label selector that finds the object at an address of one cluster. */
export function addressSelector(address: string, cluster: string): string {
  return `${LABEL_CLUSTER}=${cluster},${LABEL_ADDRESS}=${address}`;
}

/** The object at the driver's address, found by its address label. */
export async function findByAddress<T>(
  ctx: DriverContext,
  list: (filter: { labelSelector: string }) => Promise<T[]>,
): Promise<T | undefined> {
  const [found] = await list({ labelSelector: addressSelector(ctx.address, ctx.cluster) });
  return found;
}

/** The record of a named object, with the attributes the type keeps. */
export function namedRecord(
  ctx: DriverContext,
  type: string,
  item: { id: number; name: string },
  attrs: Record<string, unknown> = {},
): ResourceRecord {
  return { address: ctx.address, type, id: String(item.id), attrs: { name: item.name, ...attrs } };
}

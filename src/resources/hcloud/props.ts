/**
 * Small pure helpers the Hetzner resource modules share for building and reading props.
 */
import type { Json, JsonObject, ObservedResource } from '../../plan/types.js';
import type { AddressBook, ListedObject } from '../types.js';
import type { DesiredContext } from './infra-spec.js';
import { LABEL_ADDRESS, ownershipLabels, VOLATILE_LABELS } from './names.js';

/** A reference to another resource, resolved to its id when an action runs. */
export const ref = (address: string) => ({ $ref: address });

/** A reference, or null when observation could not map the id to an address. */
export const refOrNull = (address: string | undefined): Json => (address ? { $ref: address } : null);

/** The desired labels: extras plus the ownership labels (which win). */
export function desiredLabels(
  ctx: DesiredContext,
  address: string,
  extra: Record<string, string> = {},
): JsonObject {
  return { ...extra, ...ownershipLabels(ctx.spec.cluster.name, address) };
}

/** Observed labels without the ones that change with every run, in key order. */
export function stableLabels(labels: Record<string, string> | undefined): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(labels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!VOLATILE_LABELS.includes(key)) out[key] = value;
  }
  return out;
}

export function addressOf(labels: Record<string, string> | undefined): string | undefined {
  return labels?.[LABEL_ADDRESS];
}

export function str(value: Json | undefined): string {
  return typeof value === 'string' ? value : String(value ?? '');
}

export function obj(value: Json | undefined): JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
}

export function list(value: Json | undefined): JsonObject[] {
  return Array.isArray(value) ? value.map(obj) : [];
}

/** Labels from props, or undefined when props carry none (then an update leaves them alone). */
export function labelsOf(value: Json | undefined): Record<string, string> | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) out[key] = str(v);
  return out;
}

export function changed(before: JsonObject, after: JsonObject, key: string): boolean {
  return JSON.stringify(before[key]) !== JSON.stringify(after[key]);
}

/** A listed API object with its normalization bound to it. */
export function listed(
  item: { id: number; name?: string | null; labels?: Record<string, string> },
  normalize: (book: AddressBook) => JsonObject,
  contained?: (address: string) => ObservedResource[],
): ListedObject {
  return {
    id: item.id,
    name: item.name ?? '',
    labels: item.labels,
    normalize,
    ...(contained ? { contained } : {}),
  };
}

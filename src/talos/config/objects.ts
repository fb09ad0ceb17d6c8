/** Small helpers for building plain JSON-like config objects. */

export type PlainObject = Record<string, unknown>;

export function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Drops the keys whose value is undefined, an empty array or an empty object, one level deep, so that
 * a config never carries empty sections. Nested objects are left alone: `nodeID: {}` means something.
 */
export function prune<T extends PlainObject>(object: T): T {
  const result: PlainObject = {};
  for (const [key, value] of Object.entries(object)) {
    if (value === undefined) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    if (isPlainObject(value) && Object.keys(value).length === 0) continue;
    result[key] = value;
  }
  return result as T;
}

/** The same map with its keys in code-point order, for output that does not depend on input order. */
export function sortKeys<V>(map: Readonly<Record<string, V>>): Record<string, V> {
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as Record<
    string,
    V
  >;
}

/** Distinct values, sorted. */
export function sortedUnique(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

/** A deep copy without undefined values and without shared references (so YAML has no anchors). */
export function plainCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Recursive merge of `overlay` over `base`: objects merge, anything else from the overlay wins. */
export function deepMerge(base: PlainObject, overlay: PlainObject): PlainObject {
  const result: PlainObject = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    const current = result[key];
    result[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return result;
}

export function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

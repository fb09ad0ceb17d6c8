/**
 * Values render cannot know (generated secrets, the Hetzner token, ids of resources not created yet)
 * travel through the plan as placeholders and are replaced only when the object is applied, so
 * plans, plan files and the event log never hold a secret value.
 */

const PATTERN = /\(\(hk8s:(secret|id):([A-Za-z0-9_./-]+)\)\)/g;

export type Placeholder = { kind: 'secret'; name: string } | { kind: 'id'; address: string };

/** The secret store name of an addon's generated secret. */
export function addonSecretName(addon: string, secret: string): string {
  return `addon.${addon}.${secret}`;
}

/** The Hetzner API token, which hk8s holds but never records. */
export const HCLOUD_TOKEN_SECRET = 'hcloud.token';

export function secretPlaceholder(name: string): string {
  return `((hk8s:secret:${name}))`;
}

export function idPlaceholder(address: string): string {
  return `((hk8s:id:${address}))`;
}

/** Every placeholder inside a JSON value, sorted and unique. */
export function placeholdersIn(value: unknown): Placeholder[] {
  const found = new Map<string, Placeholder>();
  walkStrings(value, (text) => {
    for (const match of text.matchAll(PATTERN)) {
      const [token, kind, name = ''] = match;
      found.set(token, kind === 'secret' ? { kind: 'secret', name } : { kind: 'id', address: name });
    }
    return text;
  });
  return [...found.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, p]) => p);
}

/** The value with every placeholder replaced; throws naming the first one `lookup` cannot fill. */
export function fillPlaceholders<T>(value: T, lookup: (placeholder: Placeholder) => string | undefined): T {
  return walkStrings(value, (text) =>
    text.replace(PATTERN, (token, kind: string, name: string) => {
      const placeholder: Placeholder =
        kind === 'secret' ? { kind: 'secret', name } : { kind: 'id', address: name };
      const filled = lookup(placeholder);
      if (filled === undefined) throw new Error(`no value for ${token}`);
      return filled;
    }),
  ) as T;
}

function walkStrings(value: unknown, map: (text: string) => string): unknown {
  if (typeof value === 'string') return map(value);
  if (Array.isArray(value)) return value.map((item) => walkStrings(item, map));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walkStrings(item, map)]));
  }
  return value;
}

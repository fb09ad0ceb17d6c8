/**
 * The `addons:` section. Its shape comes from the addons the installed plugins define: each
 * addon's settings schema validates `addons.<name>` (see src/addons/). Without any addon loaded
 * the section is only checked for shape: every entry an object with an optional `enabled`.
 */
import { z } from 'zod';
import { closestName } from '../suggest.js';

/** A settings schema by addon name, as the addon registry hands them to the spec. */
export type AddonSettingsSchemas = ReadonlyMap<string, z.ZodType<{ enabled: boolean }>>;

const LooseAddon = z
  .looseObject({ enabled: z.boolean().optional() })
  .describe('An addon from a plugin: { enabled, ... } validated by that plugin');

/** The section when no plugin was consulted (tests of other sections, tools). */
export const AddonsSchema = z
  .record(z.string(), LooseAddon)
  .prefault({})
  .describe('Addons by name, each provided by a plugin (hk8s plugins)');

/** Settings as the spec holds them: every loaded addon's entry is there, defaulted by its schema. */
export type AddonsSettings = Record<string, { enabled?: boolean; [key: string]: unknown }>;

/** Refuses names no loaded addon provides (suggesting a near one), unless they are switched off. */
function refuseUnknown(known: readonly string[]) {
  const list = known.length > 0 ? known.join(', ') : 'none';
  return (value: Record<string, unknown>, context: z.RefinementCtx) => {
    for (const [name, entry] of Object.entries(value)) {
      if (known.includes(name)) continue;
      if (typeof entry === 'object' && entry !== null && (entry as { enabled?: unknown }).enabled === false)
        continue;
      const near = closestName(name, known);
      context.addIssue({
        code: 'custom',
        path: [name],
        message: near
          ? `unknown addon ${name}; did you mean ${near}?`
          : `no installed plugin provides addon ${name} (installed: ${list}); install one with hk8s plugins install, or set enabled: false`,
      });
    }
  };
}

/** The section for these addons: each name validated by its schema, any other name refused. */
export function addonsSchemaFor(schemas: AddonSettingsSchemas) {
  const shape: Record<string, z.ZodType> = {};
  const names = [...schemas.keys()].sort();
  for (const name of names) shape[name] = (schemas.get(name) as z.ZodType).prefault({});
  return z
    .object(shape)
    .catchall(z.unknown())
    .superRefine(refuseUnknown(names))
    .prefault({})
    .describe('Addons by name, each provided by a plugin (hk8s plugins)');
}

/**
 * Whether an addon is on. An entry without `enabled` (a spec validated without the plugin) takes
 * `fallback`, the addon's own default, so callers outside the addon still agree with it.
 */
export function addonEnabled(addons: AddonsSettings, name: string, fallback: boolean): boolean {
  const entry = addons[name];
  if (entry === undefined) return fallback;
  return typeof entry.enabled === 'boolean' ? entry.enabled : fallback;
}

/** A boolean setting of an addon, with the addon's default when the entry does not say. */
export function addonFlag(addons: AddonsSettings, name: string, key: string, fallback: boolean): boolean {
  const value = addons[name]?.[key];
  return typeof value === 'boolean' ? value : fallback;
}

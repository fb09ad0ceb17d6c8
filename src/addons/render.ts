/**
 * Renders every enabled addon. An addon whose render throws, or returns objects that fail the
 * checks, is reported by name and skipped as a whole (its objects in the cluster are left as
 * they are); the others render on.
 */
import type { KubeObject, SecretRequest } from '../addon/index.js';
import { LIFECYCLE_ANNOTATION } from '../addon/kit.js';
import type { Spec } from '../spec/schema.js';
import { clusterContext, isEnabled, type ContextInput } from './context.js';
import { isNamespaced, objectProblem } from './object-check.js';
import type { AddonProblem, AddonRegistry, LoadedAddon } from './registry.js';

export interface RenderedObject {
  /** `addon.<addon>.<kind>.<namespace>.<name>` (no namespace part when cluster-scoped). */
  address: string;
  object: KubeObject;
  /** Created once and never updated (Jobs); see LIFECYCLE_ANNOTATION. */
  once: boolean;
}

export interface RenderedAddon {
  name: string;
  version: string;
  plugin: string;
  beforeReady: boolean;
  dependsOn: string[];
  provides: Array<'cni' | 'cloud-controller'>;
  secrets: SecretRequest[];
  deprecated?: string;
  objects: RenderedObject[];
}

export interface RenderOutcome {
  rendered: RenderedAddon[];
  /** Loaded addons that are switched off. */
  disabled: string[];
  problems: AddonProblem[];
}

export function objectAddress(addon: string, object: KubeObject): string {
  const namespace = isNamespaced(object.kind, object.metadata.namespace)
    ? `.${object.metadata.namespace}`
    : '';
  return `addon.${addon}.${object.kind.toLowerCase()}${namespace}.${object.metadata.name}`;
}

/** An addon's install record: `addon.<name>`. */
export function addonAddress(addon: string): string {
  return `addon.${addon}`;
}

function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'failed';
}

function renderOne(
  loaded: LoadedAddon,
  spec: Spec,
  input: Omit<ContextInput, 'spec'>,
): RenderedAddon | AddonProblem {
  const { definition, plugin } = loaded;
  const problem = (message: string): AddonProblem => ({ plugin, addon: definition.name, message });
  const parsed = definition.settings.safeParse(spec.addons[definition.name] ?? {});
  if (!parsed.success) return problem(`its settings do not validate: ${messageOf(parsed.error)}`);
  let objects: readonly unknown[];
  try {
    const result: unknown = definition.render(clusterContext({ ...input, spec }, definition, parsed.data));
    if (!Array.isArray(result)) return problem('render must return a list of objects');
    objects = result;
  } catch (error) {
    return problem(`render failed: ${messageOf(error)}`);
  }
  const seen = new Set<string>();
  const out: RenderedObject[] = [];
  for (const [index, value] of objects.entries()) {
    const invalid = objectProblem(value);
    if (invalid) return problem(`object ${index + 1} ${invalid}`);
    const object = structuredClone(value) as KubeObject;
    const address = objectAddress(definition.name, object);
    if (seen.has(address)) return problem(`renders ${object.kind} ${object.metadata.name} twice`);
    seen.add(address);
    out.push({ address, object, once: object.metadata.annotations?.[LIFECYCLE_ANNOTATION] === 'once' });
  }
  return {
    name: definition.name,
    version: definition.version,
    plugin,
    beforeReady: definition.beforeReady === true,
    dependsOn: [...(definition.dependsOn ?? [])].sort(),
    provides: [...(definition.provides ?? [])].sort(),
    secrets: [...(definition.secrets ?? [])],
    ...(definition.deprecated ? { deprecated: definition.deprecated } : {}),
    objects: out,
  };
}

export function renderAddons(
  registry: AddonRegistry,
  spec: Spec,
  input: Omit<ContextInput, 'spec' | 'enabled'>,
): RenderOutcome {
  const on = registry.addons.filter((a) => isEnabled(spec, a.definition.name));
  const enabled = new Set(on.map((a) => a.definition.name));
  const problems: AddonProblem[] = [];
  const rendered: RenderedAddon[] = [];
  for (const loaded of on) {
    const missing = (loaded.definition.dependsOn ?? []).filter((name) => !enabled.has(name));
    if (missing.length > 0) {
      problems.push({
        plugin: loaded.plugin,
        addon: loaded.definition.name,
        message: `needs ${missing.join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} not enabled`,
      });
      continue;
    }
    const result = renderOne(loaded, spec, { ...input, enabled });
    if ('objects' in result) rendered.push(result);
    else problems.push(result);
  }
  const disabled = registry.addons.map((a) => a.definition.name).filter((name) => !enabled.has(name));
  return { rendered, disabled, problems };
}

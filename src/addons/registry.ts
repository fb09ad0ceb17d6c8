/**
 * From what the plugins' `hk8s:addons` hooks answered to the addons hk8s uses. A plugin that throws,
 * speaks another contract version, returns a malformed definition, a schema that cannot stand for
 * its settings, or a name another plugin took, is reported by name and left out; the rest load.
 */
import { z } from 'zod';
import { ADDON_CONTRACT_VERSION, type AddonDefinition } from '../addon/index.js';
import type { AddonSettingsSchemas } from '../spec/sections/addons.js';

/** One plugin's answer, as oclif's runHook reports it. */
export type HookAnswer =
  | { plugin: string; firstParty: boolean; result: unknown }
  | { plugin: string; firstParty: boolean; error: unknown };

export interface LoadedAddon {
  definition: AddonDefinition;
  plugin: string;
  firstParty: boolean;
}

export interface AddonProblem {
  plugin: string;
  /** The addon's name when the plugin got as far as naming it. */
  addon?: string;
  message: string;
}

export interface AddonRegistry {
  /** Sorted by name. */
  addons: LoadedAddon[];
  problems: AddonProblem[];
}

export const ADDON_NAME = /^[a-z][a-zA-Z0-9-]{0,39}$/;
const SECRET_NAME = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0]?.slice(0, 300) ?? 'failed';
}

/** Why a definition cannot be used, or undefined when it can. */
export function definitionProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'a definition must be an object';
  const d = value as Partial<Record<keyof AddonDefinition, unknown>>;
  if (d.contract !== ADDON_CONTRACT_VERSION) {
    return `speaks addon contract ${JSON.stringify(d.contract)}, hk8s speaks ${ADDON_CONTRACT_VERSION}`;
  }
  if (typeof d.name !== 'string' || !ADDON_NAME.test(d.name)) {
    return `name ${JSON.stringify(d.name)} must match ${ADDON_NAME.source}`;
  }
  if (typeof d.version !== 'string' || d.version === '') return 'version must be a non-empty string';
  if (typeof d.description !== 'string') return 'description must be a string';
  if (typeof d.render !== 'function') return 'render must be a function';
  if (
    d.dependsOn !== undefined &&
    !(Array.isArray(d.dependsOn) && d.dependsOn.every((n) => typeof n === 'string'))
  ) {
    return 'dependsOn must be a list of addon names';
  }
  if (d.beforeReady !== undefined && typeof d.beforeReady !== 'boolean')
    return 'beforeReady must be a boolean';
  const provides: unknown = d.provides ?? [];
  if (!Array.isArray(provides) || !provides.every((p) => p === 'cni' || p === 'cloud-controller')) {
    return 'provides must list cni and/or cloud-controller';
  }
  if (d.deprecated !== undefined && typeof d.deprecated !== 'string') return 'deprecated must be a string';
  const secrets = d.secrets ?? [];
  if (!Array.isArray(secrets)) return 'secrets must be a list';
  for (const s of secrets as unknown[]) {
    const secret = s as { name?: unknown; bytes?: unknown; encoding?: unknown };
    if (typeof secret.name !== 'string' || !SECRET_NAME.test(secret.name))
      return 'a secret needs a name of [a-z0-9-]';
    if (
      typeof secret.bytes !== 'number' ||
      !Number.isInteger(secret.bytes) ||
      secret.bytes < 8 ||
      secret.bytes > 512
    ) {
      return `secret ${secret.name}: bytes must be an integer from 8 to 512`;
    }
    if (secret.encoding !== 'hex' && secret.encoding !== 'base64')
      return `secret ${secret.name}: encoding must be hex or base64`;
  }
  return settingsProblem(d.settings);
}

/** The schema must be a zod schema of this host's zod, accept `{}`, give `enabled`, and export to JSON Schema. */
function settingsProblem(settings: unknown): string | undefined {
  if (!(settings instanceof z.ZodType))
    return 'settings must be a zod schema built with the z the hook receives';
  const parsed = settings.safeParse({});
  if (!parsed.success)
    return `settings schema rejects {} (${messageOf(parsed.error)}): every setting needs a default`;
  const out = parsed.data as { enabled?: unknown } | null;
  if (typeof out !== 'object' || out === null || typeof out.enabled !== 'boolean') {
    return 'settings schema must give an object with a boolean enabled';
  }
  try {
    z.toJSONSchema(settings, { io: 'input', unrepresentable: 'any' });
  } catch (error) {
    return `settings schema cannot be shown as JSON Schema: ${messageOf(error)}`;
  }
  return undefined;
}

/** First-party plugins first, then by plugin name: that decides who keeps a name two plugins claim. */
function byPrecedence(a: HookAnswer, b: HookAnswer): number {
  return Number(b.firstParty) - Number(a.firstParty) || a.plugin.localeCompare(b.plugin);
}

export function buildRegistry(answers: readonly HookAnswer[]): AddonRegistry {
  const problems: AddonProblem[] = [];
  const taken = new Map<string, LoadedAddon>();
  for (const answer of [...answers].sort(byPrecedence)) {
    if ('error' in answer) {
      problems.push({
        plugin: answer.plugin,
        message: `its hk8s:addons hook failed: ${messageOf(answer.error)}`,
      });
      continue;
    }
    if (!Array.isArray(answer.result)) {
      problems.push({
        plugin: answer.plugin,
        message: 'its hk8s:addons hook must return a list of addon definitions',
      });
      continue;
    }
    for (const value of answer.result as unknown[]) {
      const name = (value as { name?: unknown } | null)?.name;
      const addon = typeof name === 'string' ? name : undefined;
      const problem = definitionProblem(value);
      if (problem) {
        problems.push({ plugin: answer.plugin, ...(addon ? { addon } : {}), message: problem });
        continue;
      }
      const definition = value as AddonDefinition;
      const holder = taken.get(definition.name);
      if (holder) {
        problems.push({
          plugin: answer.plugin,
          addon: definition.name,
          message: `addon ${definition.name} is already provided by ${holder.plugin}`,
        });
        continue;
      }
      taken.set(definition.name, { definition, plugin: answer.plugin, firstParty: answer.firstParty });
    }
  }
  const addons = [...taken.values()].sort((a, b) => a.definition.name.localeCompare(b.definition.name));
  return { addons, problems };
}

export function settingsSchemas(registry: AddonRegistry): AddonSettingsSchemas {
  return new Map(registry.addons.map((a) => [a.definition.name, a.definition.settings]));
}

export function describeProblem(problem: AddonProblem): string {
  const what = problem.addon
    ? `addon ${problem.addon} of plugin ${problem.plugin}`
    : `plugin ${problem.plugin}`;
  return `${what} skipped: ${problem.message}`;
}

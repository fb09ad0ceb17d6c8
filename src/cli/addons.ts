/**
 * Asks every installed plugin for its addons through the `hk8s:addons` hook and builds the registry.
 * A hook that throws or hangs is captured per plugin (reported by name), never fatal.
 */
import type { Config } from '@oclif/core';
import { z } from 'zod';
import { ADDON_CONTRACT_VERSION, type AddonHookOptions, type AddonHookResult } from '../addon/index.js';
import { addonKit } from '../addon/kit.js';
import { buildRegistry, type AddonRegistry, type HookAnswer } from '../addons/registry.js';

declare module '@oclif/core' {
  interface Hooks {
    'hk8s:addons': { options: AddonHookOptions; return: AddonHookResult };
  }
}

/** A hook that has not answered by then is reported as failed. */
const HOOK_TIMEOUT_MS = 10_000;

/** Plugins that ship with hk8s: they keep an addon name a user plugin also claims. */
function isFirstParty(plugin: { name: string; type: string }): boolean {
  return plugin.type === 'core' && plugin.name.startsWith('@hk8s/');
}

export async function loadAddonRegistry(config: Config): Promise<AddonRegistry> {
  const options: AddonHookOptions = { contract: ADDON_CONTRACT_VERSION, z, kit: addonKit };
  const result = await config.runHook('hk8s:addons', options, HOOK_TIMEOUT_MS, true);
  const answers: HookAnswer[] = [
    ...result.successes.map((s) => ({
      plugin: s.plugin.name,
      firstParty: isFirstParty(s.plugin),
      result: s.result as unknown,
    })),
    ...result.failures.map((f) => ({
      plugin: f.plugin.name,
      firstParty: isFirstParty(f.plugin),
      error: f.error as unknown,
    })),
  ];
  return buildRegistry(answers);
}

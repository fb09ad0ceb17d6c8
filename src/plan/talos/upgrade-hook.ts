/** Where the Talos planner hands its inputs to the upgrade planner: the small seam between them. */
import type { ApplyConfigAction } from '../types.js';
import type { TalosPlanInput } from './plan-talos.js';
import { fitConfigsToUpgrades, planUpgrades, type UpgradePlan } from './upgrades.js';

/** `machine.install.image` of an applied config (the v1alpha1 document comes first). */
function installImageOf(config: TalosPlanInput['applied'][string]['config']): string | undefined {
  const machine = config?.documents[0]?.['machine'] as { install?: { image?: unknown } } | undefined;
  const image = machine?.install?.image;
  return typeof image === 'string' ? image : undefined;
}

/** The installer image each configured node was last installed or upgraded with, by server address. */
export function installedImages(applied: TalosPlanInput['applied']): Record<string, string | undefined> {
  const installed: Record<string, string | undefined> = {};
  for (const [address, record] of Object.entries(applied)) {
    installed[`server.${address.slice('talos.config.'.length)}`] =
      record.installer ?? installImageOf(record.config);
  }
  return installed;
}

/** No observation, no upgrades: hk8s never guesses a node's version. */
export function upgradesFor(input: TalosPlanInput, configs: ApplyConfigAction[]): UpgradePlan {
  if (!input.versions) return { actions: [], groups: {}, steps: new Map() };
  const installed = installedImages(input.applied);
  const fresh = new Set(configs.filter((c) => c.mode === 'initial').map((c) => c.node));
  const plan = planUpgrades({ spec: input.spec, versions: input.versions, installed }, fresh);
  fitConfigsToUpgrades(configs, plan);
  return plan;
}

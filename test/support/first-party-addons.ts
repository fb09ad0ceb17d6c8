/** The first-party addon plugins, asked the way oclif asks them (without oclif), for tests. */
import { z } from 'zod';
import {
  ADDON_CONTRACT_VERSION,
  addonKit,
  type AddonHook,
  type AddonHookOptions,
} from '../../src/addon/index.js';
import {
  buildRegistry,
  settingsSchemas,
  type AddonRegistry,
  type HookAnswer,
} from '../../src/addons/registry.js';
import certManager from '../../plugins/cert-manager/src/index.js';
import cilium from '../../plugins/cilium/src/index.js';
import gatewayApi from '../../plugins/gateway-api/src/index.js';
import hcloudCcm from '../../plugins/hcloud-ccm/src/index.js';
import hcloudCsi from '../../plugins/hcloud-csi/src/index.js';
import helmController from '../../plugins/helm-controller/src/index.js';
import ingressNginx from '../../plugins/ingress-nginx/src/index.js';
import longhorn from '../../plugins/longhorn/src/index.js';
import metricsServer from '../../plugins/metrics-server/src/index.js';
import rbac from '../../plugins/rbac/src/index.js';
import talosBackup from '../../plugins/talos-backup/src/index.js';
import talosCcm from '../../plugins/talos-ccm/src/index.js';

export const FIRST_PARTY: Record<string, AddonHook> = {
  '@hk8s/addon-cert-manager': certManager,
  '@hk8s/addon-cilium': cilium,
  '@hk8s/addon-gateway-api': gatewayApi,
  '@hk8s/addon-hcloud-ccm': hcloudCcm,
  '@hk8s/addon-hcloud-csi': hcloudCsi,
  '@hk8s/addon-helm-controller': helmController,
  '@hk8s/addon-ingress-nginx': ingressNginx,
  '@hk8s/addon-longhorn': longhorn,
  '@hk8s/addon-metrics-server': metricsServer,
  '@hk8s/addon-rbac': rbac,
  '@hk8s/addon-talos-backup': talosBackup,
  '@hk8s/addon-talos-ccm': talosCcm,
};

export const HOOK_OPTIONS: AddonHookOptions = { contract: ADDON_CONTRACT_VERSION, z, kit: addonKit };

/** Answers as runHook would collect them; `extra` adds other plugins' hooks. */
export async function answersOf(
  hooks: Record<string, AddonHook>,
  firstParty: boolean,
): Promise<HookAnswer[]> {
  const answers: HookAnswer[] = [];
  for (const [plugin, hook] of Object.entries(hooks)) {
    try {
      answers.push({ plugin, firstParty, result: await hook(HOOK_OPTIONS) });
    } catch (error) {
      answers.push({ plugin, firstParty, error });
    }
  }
  return answers;
}

export async function firstPartyRegistry(extra: Record<string, AddonHook> = {}): Promise<AddonRegistry> {
  return buildRegistry([...(await answersOf(FIRST_PARTY, true)), ...(await answersOf(extra, false))]);
}

export async function firstPartySchemas() {
  return settingsSchemas(await firstPartyRegistry());
}

/**
 * The Talos records (`talos.*`) live in the event log, not in the cloud: the Talos planner makes
 * their actions and the Talos runner performs them. The Kubernetes Node objects (`kube.node.*`) are
 * planned there too, when their servers go. The generic planner needs only their rules.
 */
import type { KubeResourceType, TalosResourceType } from '../plan/types.js';
import type { ResourceRules } from './types.js';

const record = (deleteRank: number): ResourceRules => ({
  immutable: [],
  createOnly: [],
  deleteRank,
  drainBeforeDelete: false,
});

export const TALOS_RECORD_RULES: { readonly [T in TalosResourceType]: ResourceRules } = {
  talos_secrets: record(4),
  talos_config: record(0),
  talos_bootstrap: record(4),
  talos_kubeconfig: record(4),
};

/** Never diffed (src/plan/talos/removal.ts orders their deletions itself); the rules exist for lookups. */
export const KUBE_RULES: { readonly [T in KubeResourceType]: ResourceRules } = {
  kube_node: record(0),
};

/** What the simulated controllers share: the cluster's objects, the clock and the speed factor. */
import type { Objects } from './objects.js';
import { builtin } from './resources.js';
import { clone, jsonEqual, type KubeObject } from './types.js';

export const TYPES = {
  pods: builtin('pods'),
  nodes: builtin('nodes'),
  namespaces: builtin('namespaces'),
  deployments: builtin('deployments'),
  replicasets: builtin('replicasets'),
  daemonsets: builtin('daemonsets'),
  pdbs: builtin('poddisruptionbudgets'),
  configmaps: builtin('configmaps'),
  serviceaccounts: builtin('serviceaccounts'),
  services: builtin('services'),
};

/** Simulated durations in ms before the speed factor. */
export const KUBE_DURATIONS = {
  /** Scheduled → containers running and Ready. */
  podStart: 3_000,
  /** Longest graceful termination a pod takes here (capped by its grace period). */
  podTermination: 2_000,
  /** A deleted Node until its (still running) kubelet registers it again. */
  nodeReregister: 10_000,
  /** Controller resync period. */
  resync: 1_000,
} as const;

export interface ControllerContext {
  objects: Objects;
  now: number;
  speed: number;
  /** Pods whose scheduling time is known (in memory: a restarted sandbox starts them at once). */
  scheduledAt: Map<string, number>;
}

export const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Writes `next` when it differs from `current`; true when it wrote. */
export function putIfChanged(
  ctx: ControllerContext,
  type: typeof TYPES.pods,
  current: KubeObject,
  next: KubeObject,
): boolean {
  if (jsonEqual(current, next)) return false;
  ctx.objects.put(type, next);
  return true;
}

export function ownedBy(obj: KubeObject, owner: KubeObject): boolean {
  return (
    obj.metadata.ownerReferences?.some((o) => o.controller === true && o.uid === owner.metadata.uid) ?? false
  );
}

export function controllerRef(owner: KubeObject) {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export { clone };

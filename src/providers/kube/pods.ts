/**
 * Which pods a drain evicts, following kubectl's filters with `--ignore-daemonsets
 * --delete-emptydir-data` always on and `--force` as an option.
 */
import { assertNever } from '../../errors.js';
import type { PodObject } from './api.js';
import type { PodEvictReason, PodInfo, PodRef, PodSkipReason } from './types.js';

export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

export type PodDecision =
  | { action: 'skip'; reason: PodSkipReason }
  | { action: 'evict'; reason: PodEvictReason }
  /** A pod without a controller, when not forced: evicting it would lose it for good. */
  | { action: 'refuse'; reason: 'unmanaged' };

export function podRef(pod: PodObject): PodRef {
  const ref: PodRef = { namespace: pod.metadata.namespace, name: pod.metadata.name };
  if (pod.metadata.uid !== undefined) ref.uid = pod.metadata.uid;
  return ref;
}

export function podInfo(pod: PodObject): PodInfo {
  const info: PodInfo = {
    namespace: pod.metadata.namespace,
    name: pod.metadata.name,
    ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true,
    terminating: pod.metadata.deletionTimestamp !== undefined,
    labels: pod.metadata.labels ?? {},
    images: Object.fromEntries(
      (pod.spec?.containers ?? []).flatMap((c) => (c.image ? [[c.name, c.image]] : [])),
    ),
    annotations: pod.metadata.annotations ?? {},
  };
  if (pod.status?.hostIP) info.hostIP = pod.status.hostIP;
  if (pod.metadata.uid !== undefined) info.uid = pod.metadata.uid;
  if (pod.spec?.nodeName) info.nodeName = pod.spec.nodeName;
  if (pod.status?.phase) info.phase = pod.status.phase;
  const controller = controllerOf(pod);
  if (controller) info.controller = { kind: controller.kind, name: controller.name };
  return info;
}

export function isFinished(pod: PodObject): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

function controllerOf(pod: PodObject) {
  return pod.metadata.ownerReferences?.find((owner) => owner.controller === true);
}

export function classifyPod(pod: PodObject, options: { force: boolean }): PodDecision {
  if (pod.metadata.deletionTimestamp !== undefined) return { action: 'skip', reason: 'terminating' };
  if (isFinished(pod)) return { action: 'skip', reason: 'finished' };
  const controller = controllerOf(pod);
  // A DaemonSet would recreate its pod on the node at once, and it tolerates `unschedulable`.
  if (controller?.kind === 'DaemonSet') return { action: 'skip', reason: 'daemonset' };
  // A static pod's mirror cannot be evicted: the kubelet owns it, deleting the mirror does nothing.
  if (pod.metadata.annotations?.[MIRROR_POD_ANNOTATION] !== undefined)
    return { action: 'skip', reason: 'mirror' };
  if (controller === undefined)
    return options.force
      ? { action: 'evict', reason: 'unmanaged' }
      : { action: 'refuse', reason: 'unmanaged' };
  if (pod.spec?.volumes?.some((volume) => volume.emptyDir !== undefined))
    return { action: 'evict', reason: 'local-storage' };
  return { action: 'evict', reason: 'managed' };
}

export interface DrainSelection {
  evict: Array<{ pod: PodObject; reason: PodEvictReason }>;
  skip: Array<{ pod: PodRef; reason: PodSkipReason }>;
  refuse: PodRef[];
}

export function selectPodsToEvict(pods: PodObject[], options: { force: boolean }): DrainSelection {
  const selection: DrainSelection = { evict: [], skip: [], refuse: [] };
  for (const pod of pods) {
    const decision = classifyPod(pod, options);
    switch (decision.action) {
      case 'skip':
        selection.skip.push({ pod: podRef(pod), reason: decision.reason });
        break;
      case 'evict':
        selection.evict.push({ pod, reason: decision.reason });
        break;
      case 'refuse':
        selection.refuse.push(podRef(pod));
        break;
      default:
        assertNever(decision, 'pod decision');
    }
  }
  return selection;
}

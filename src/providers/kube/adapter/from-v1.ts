/**
 * client-node's deserialized models (timestamps as Date, every field optional) mapped to the
 * JSON-shaped subset KubeApi promises. Only fields hk8s reads are copied.
 */
import type { V1Node, V1ObjectMeta, V1Pod, V1PodDisruptionBudget } from '@kubernetes/client-node';
import type { NodeObject, ObjectMeta, PdbObject, PodObject } from '../api.js';

function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function meta(metadata: V1ObjectMeta | undefined): ObjectMeta {
  const m = metadata ?? {};
  return defined<ObjectMeta>({
    name: m.name ?? '',
    namespace: m.namespace,
    uid: m.uid,
    labels: m.labels,
    annotations: m.annotations,
    ownerReferences: m.ownerReferences?.map((o) =>
      defined({ apiVersion: o.apiVersion, kind: o.kind, name: o.name, uid: o.uid, controller: o.controller }),
    ),
    deletionTimestamp: m.deletionTimestamp ? new Date(m.deletionTimestamp).toISOString() : undefined,
    generation: m.generation,
  });
}

export function nodeFromV1(node: V1Node): NodeObject {
  const info = node.status?.nodeInfo;
  return {
    metadata: meta(node.metadata),
    spec: defined({
      unschedulable: node.spec?.unschedulable,
      taints: node.spec?.taints?.map((t) => defined({ key: t.key, value: t.value, effect: t.effect })),
      providerID: node.spec?.providerID,
    }),
    status: defined({
      conditions: node.status?.conditions?.map((c) =>
        defined({ type: c.type, status: c.status, reason: c.reason, message: c.message }),
      ),
      addresses: node.status?.addresses?.map((a) => ({ type: a.type, address: a.address })),
      nodeInfo: info
        ? defined({
            kubeletVersion: info.kubeletVersion,
            osImage: info.osImage,
            kernelVersion: info.kernelVersion,
            containerRuntimeVersion: info.containerRuntimeVersion,
          })
        : undefined,
    }),
  };
}

export function podFromV1(pod: V1Pod): PodObject {
  return {
    metadata: { ...meta(pod.metadata), namespace: pod.metadata?.namespace ?? '' },
    spec: defined({
      nodeName: pod.spec?.nodeName,
      volumes: pod.spec?.volumes?.map((v) =>
        defined({ name: v.name, emptyDir: v.emptyDir ? {} : undefined }),
      ),
      containers: pod.spec?.containers.map((c) => defined({ name: c.name, image: c.image })),
    }),
    status: defined({
      phase: pod.status?.phase,
      hostIP: pod.status?.hostIP,
      conditions: pod.status?.conditions?.map((c) =>
        defined({ type: c.type, status: c.status, reason: c.reason, message: c.message }),
      ),
    }),
  };
}

export function pdbFromV1(pdb: V1PodDisruptionBudget): PdbObject {
  const selector = pdb.spec?.selector;
  return {
    metadata: { ...meta(pdb.metadata), namespace: pdb.metadata?.namespace ?? '' },
    spec: defined({
      minAvailable: pdb.spec?.minAvailable,
      maxUnavailable: pdb.spec?.maxUnavailable,
      selector: selector
        ? defined({
            matchLabels: selector.matchLabels,
            matchExpressions: selector.matchExpressions?.map((e) =>
              defined({ key: e.key, operator: e.operator, values: e.values }),
            ),
          })
        : undefined,
    }),
    status: defined({
      currentHealthy: pdb.status?.currentHealthy,
      desiredHealthy: pdb.status?.desiredHealthy,
      expectedPods: pdb.status?.expectedPods,
      disruptionsAllowed: pdb.status?.disruptionsAllowed,
    }),
  };
}

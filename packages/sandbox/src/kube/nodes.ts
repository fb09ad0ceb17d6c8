/**
 * The Node object a Talos node's kubelet registers and keeps up to date: Talos's labels and taints
 * (tracked in the talos.dev/owned-* annotations so user additions survive), addresses, nodeInfo
 * from the running versions, conditions, and the node lifecycle controller's taints.
 */
import type { TalosNodeView } from '../talos/observe.js';
import type { KubeFacts, Taint } from './machine.js';
import { isoSeconds, putIfChanged, TYPES, type ControllerContext } from './context.js';
import { asArray, asObject, clone, type JsonObject, type KubeObject } from './types.js';

const CONTROL_PLANE_LABEL = 'node-role.kubernetes.io/control-plane';
const OWNED_LABELS = 'talos.dev/owned-labels';
const OWNED_TAINTS = 'talos.dev/owned-taints';
const LIFECYCLE_TAINTS = new Set([
  'node.kubernetes.io/not-ready',
  'node.kubernetes.io/unreachable',
  'node.kubernetes.io/unschedulable',
]);

const KERNEL: Record<string, string> = { '12': '6.18.1-talos', '13': '6.18.44-talos' };
const CONTAINERD: Record<string, string> = { '12': 'containerd://2.1.6', '13': 'containerd://2.2.7' };

function talosMinor(version: string): string {
  return /^v?1\.(\d+)\./.exec(version)?.[1] ?? '13';
}

function talosLabels(facts: KubeFacts): Record<string, string> {
  return { ...(facts.controlPlane ? { [CONTROL_PLANE_LABEL]: '' } : {}), ...facts.nodeLabels };
}

function talosTaints(facts: KubeFacts): Taint[] {
  const result: Taint[] = [];
  if (facts.controlPlane && !facts.allowSchedulingOnControlPlanes)
    result.push({ key: CONTROL_PLANE_LABEL, effect: 'NoSchedule' });
  result.push(...facts.nodeTaints);
  return result;
}

function ownedKeys(node: KubeObject | undefined, annotation: string): string[] {
  try {
    const raw = node?.metadata.annotations?.[annotation];
    const parsed = raw ? (JSON.parse(raw) as unknown) : [];
    return Array.isArray(parsed) ? parsed.filter((k): k is string => typeof k === 'string') : [];
  } catch {
    return [];
  }
}

function condition(
  type: string,
  status: string,
  reason: string,
  message: string,
  previous: JsonObject[],
  now: string,
): JsonObject {
  const before = previous.find((c) => c['type'] === type);
  // Heartbeats only move with a transition: a status that never changes is not rewritten.
  const same = before !== undefined && before['status'] === status;
  const since = same ? String(before['lastTransitionTime'] ?? now) : now;
  const beat = same ? String(before['lastHeartbeatTime'] ?? now) : now;
  return { type, status, lastHeartbeatTime: beat, lastTransitionTime: since, reason, message };
}

export interface NodeInputs {
  view: TalosNodeView;
  facts: KubeFacts;
  /** The kubelet runs and posts status. */
  ready: boolean;
  /** A CNI's agent pod runs on the node (see `cni.ts`): without it the kubelet posts NotReady. */
  networkReady: boolean;
  now: string;
}

/** What the kubelet says while no CNI has written its config on the node, as containerd reports it. */
export const NETWORK_NOT_READY =
  'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized';

/** The Node after the kubelet's registration or status update (`existing` undefined: a new registration). */
export function desiredNode(existing: KubeObject | undefined, input: NodeInputs): KubeObject {
  const { view, facts, now } = input;
  const ready = input.ready && input.networkReady;
  const node: KubeObject = existing
    ? clone(existing)
    : {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: view.hostname, uid: '', resourceVersion: '', creationTimestamp: '' },
      };
  const arch = view.arch;
  const previousOwned = ownedKeys(existing, OWNED_LABELS);
  const labels: Record<string, string> = { ...node.metadata.labels };
  for (const key of previousOwned) delete labels[key];
  const owned = talosLabels(facts);
  Object.assign(labels, {
    'beta.kubernetes.io/arch': arch,
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': arch,
    'kubernetes.io/hostname': view.hostname,
    'kubernetes.io/os': 'linux',
    ...owned,
  });
  node.metadata.labels = labels;
  const ownedLabelKeys = Object.keys(owned).sort();
  const ownedTaintKeys = [...new Set(talosTaints(facts).map((t) => t.key))].sort();
  const annotations: Record<string, string> = {
    ...node.metadata.annotations,
    'node.alpha.kubernetes.io/ttl': '0',
    'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
  };
  delete annotations[OWNED_LABELS];
  delete annotations[OWNED_TAINTS];
  if (ownedLabelKeys.length > 0) annotations[OWNED_LABELS] = JSON.stringify(ownedLabelKeys);
  if (ownedTaintKeys.length > 0) annotations[OWNED_TAINTS] = JSON.stringify(ownedTaintKeys);
  node.metadata.annotations = annotations;

  const spec = asObject(node['spec']);
  const previousTaintKeys = new Set([...ownedKeys(existing, OWNED_TAINTS), ...LIFECYCLE_TAINTS]);
  const keep = asArray(spec['taints'])
    .map(asObject)
    .filter((t) => !previousTaintKeys.has(String(t['key'])));
  const taints: JsonObject[] = [...talosTaints(facts).map((t) => ({ ...t })), ...keep];
  if (!ready) {
    taints.push({ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule', timeAdded: now });
    taints.push({ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute', timeAdded: now });
  }
  if (spec['unschedulable'] === true)
    taints.push({ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule', timeAdded: now });
  const previousTaints = asArray(spec['taints']).map(asObject);
  for (const t of taints) {
    const same = previousTaints.find((p) => p['key'] === t['key'] && p['effect'] === t['effect']);
    if (same?.['timeAdded'] !== undefined && t['timeAdded'] !== undefined) t['timeAdded'] = same['timeAdded'];
  }
  if (taints.length > 0) spec['taints'] = taints;
  else delete spec['taints'];
  node['spec'] = spec;
  node['status'] = nodeStatus(node, input);
  return node;
}

function nodeStatus(node: KubeObject, input: NodeInputs): JsonObject {
  const { view, facts, ready, networkReady, now } = input;
  const previous = asArray(asObject(node['status'])['conditions']).map(asObject);
  const minor = talosMinor(view.version);
  const addresses: JsonObject[] = [];
  const internal = view.privateIps[0] ?? view.ip;
  if (internal) addresses.push({ type: 'InternalIP', address: internal });
  if (view.ip) addresses.push({ type: 'ExternalIP', address: view.ip });
  addresses.push({ type: 'Hostname', address: view.hostname });
  const notReadyMessage = ready
    ? NETWORK_NOT_READY
    : `kubelet is not running: the Talos node is ${view.phase}`;
  const resources = { cpu: '2', 'ephemeral-storage': '39973Mi', memory: '3911572Ki', pods: '110' };
  return {
    capacity: resources,
    allocatable: resources,
    conditions: [
      condition(
        'MemoryPressure',
        'False',
        'KubeletHasSufficientMemory',
        'kubelet has sufficient memory available',
        previous,
        now,
      ),
      condition(
        'DiskPressure',
        'False',
        'KubeletHasNoDiskPressure',
        'kubelet has no disk pressure',
        previous,
        now,
      ),
      condition(
        'PIDPressure',
        'False',
        'KubeletHasSufficientPID',
        'kubelet has sufficient PID available',
        previous,
        now,
      ),
      ready && networkReady
        ? condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status', previous, now)
        : condition('Ready', 'False', 'KubeletNotReady', notReadyMessage, previous, now),
    ],
    addresses,
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: machineId(view.serverId),
      systemUUID: `${machineId(view.serverId).slice(0, 8)}-0000-4000-8000-${machineId(view.serverId).slice(0, 12)}`,
      bootID: machineId(view.serverId * 7919),
      kernelVersion: KERNEL[minor] ?? KERNEL['13'],
      osImage: `Talos (${view.version})`,
      containerRuntimeVersion: CONTAINERD[minor] ?? CONTAINERD['13'],
      kubeletVersion: facts.kubeletVersion,
      kubeProxyVersion: '',
      operatingSystem: 'linux',
      architecture: view.arch,
    },
  };
}

function machineId(n: number): string {
  return n.toString(16).padStart(8, '0').repeat(4).slice(0, 32);
}

/** What the node lifecycle controller does to a node whose kubelet is gone. */
export function markNotReady(ctx: ControllerContext, node: KubeObject, message: string): boolean {
  const next = clone(node);
  const status = (next['status'] ?? {}) as Record<string, unknown>;
  const conditions = (Array.isArray(status['conditions']) ? status['conditions'] : []) as Record<
    string,
    unknown
  >[];
  const ready = conditions.find((c) => c['type'] === 'Ready');
  if (ready?.['status'] === 'False') return false;
  const now = isoSeconds(ctx.now);
  status['conditions'] = [
    ...conditions.filter((c) => c['type'] !== 'Ready'),
    {
      type: 'Ready',
      status: 'False',
      lastHeartbeatTime: ready?.['lastHeartbeatTime'] ?? now,
      lastTransitionTime: now,
      reason: 'KubeletNotReady',
      message,
    },
  ];
  next['status'] = status;
  const spec = (next['spec'] ?? {}) as Record<string, unknown>;
  const taints = (Array.isArray(spec['taints']) ? spec['taints'] : []) as Record<string, unknown>[];
  if (!taints.some((t) => t['key'] === 'node.kubernetes.io/not-ready')) {
    spec['taints'] = [
      ...taints,
      { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule', timeAdded: now },
      { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute', timeAdded: now },
    ];
    next['spec'] = spec;
  }
  return putIfChanged(ctx, TYPES.nodes, node, next);
}

export function isNodeReady(node: KubeObject): boolean {
  return asArray(asObject(node['status'])['conditions'])
    .map(asObject)
    .some((c) => c['type'] === 'Ready' && c['status'] === 'True');
}

export function isControlPlaneNode(node: KubeObject): boolean {
  return node.metadata.labels?.[CONTROL_PLANE_LABEL] !== undefined;
}

export function isUnschedulable(node: KubeObject): boolean {
  return asObject(node['spec'])['unschedulable'] === true;
}

/** Taints with NoSchedule/NoExecute effect the pod does not tolerate. */
export function untoleratedTaints(node: KubeObject, tolerations: JsonObject[]): JsonObject[] {
  return asArray(asObject(node['spec'])['taints'])
    .map(asObject)
    .filter((t) => t['effect'] !== 'PreferNoSchedule')
    .filter((t) => !tolerations.some((tol) => tolerates(tol, t)));
}

export function tolerates(tol: JsonObject, taint: JsonObject): boolean {
  if (tol['effect'] !== undefined && tol['effect'] !== '' && tol['effect'] !== taint['effect']) return false;
  const op = tol['operator'] ?? 'Equal';
  if (tol['key'] === undefined || tol['key'] === '') return op === 'Exists';
  if (tol['key'] !== taint['key']) return false;
  return op === 'Exists' || (tol['value'] ?? '') === (taint['value'] ?? '');
}

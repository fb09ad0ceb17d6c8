/**
 * Errors of the Kubernetes provider. Each carries a stable `kubeCode` (kube.*) and maps onto one of
 * hk8s's existing error codes for the exit code; the `kube.*` codes are not in `ErrorCodes` yet, so
 * the family map below is the one place to change when they are registered there.
 */
import { Hk8sError, assertNever, type ErrorCode } from '../../errors.js';
import type { DrainBlocker, NodeReadiness, PdbSummary, PodRef } from './types.js';
import { podKey } from './types.js';

export type KubeErrorCode =
  | 'kube.drain-blocked'
  | 'kube.drain-refused'
  | 'kube.nodes-not-ready'
  | 'kube.kubeconfig'
  | 'kube.auth'
  | 'kube.unreachable'
  | 'kube.unavailable'
  | 'kube.limit'
  | 'kube.not-found'
  | 'kube.conflict'
  | 'kube.invalid'
  | 'kube.api';

const FAMILY: Record<KubeErrorCode, ErrorCode> = {
  'kube.drain-blocked': 'provider.api',
  'kube.drain-refused': 'provider.api',
  'kube.nodes-not-ready': 'provider.unavailable',
  'kube.kubeconfig': 'provider.auth',
  'kube.auth': 'provider.auth',
  'kube.unreachable': 'provider.unreachable',
  'kube.unavailable': 'provider.unavailable',
  'kube.limit': 'provider.limit',
  'kube.not-found': 'provider.api',
  'kube.conflict': 'provider.api',
  'kube.invalid': 'provider.api',
  'kube.api': 'provider.api',
};

export interface KubeErrorOptions {
  where?: string;
  hint?: string;
  detail?: string;
  cause?: unknown;
}

export class KubeError extends Hk8sError {
  readonly kubeCode: KubeErrorCode;

  constructor(kubeCode: KubeErrorCode, message: string, options: KubeErrorOptions = {}) {
    super(FAMILY[kubeCode], message, options);
    this.name = 'KubeError';
    this.kubeCode = kubeCode;
  }

  override toJSON(): ReturnType<Hk8sError['toJSON']> & Record<string, unknown> {
    return { ...super.toJSON(), kubeCode: this.kubeCode };
  }
}

/** A failed API request: HTTP status and the Kubernetes Status reason when the server sent one. */
export interface KubeApiErrorInit extends KubeErrorOptions {
  status?: number;
  reason?: string;
  /** `details.causes` of the Status (reason, message, field). */
  causes?: Array<{ reason?: string; message?: string; field?: string }>;
  retryAfterSeconds?: number;
  /** The server's own words (Status message and causes), without the operation prefix. */
  serverMessage?: string;
}

export class KubeApiError extends KubeError {
  readonly status?: number;
  readonly reason?: string;
  readonly causes: Array<{ reason?: string; message?: string; field?: string }>;
  readonly retryAfterSeconds?: number;
  readonly serverMessage?: string;

  constructor(kubeCode: KubeErrorCode, message: string, init: KubeApiErrorInit = {}) {
    super(kubeCode, message, init);
    this.name = 'KubeApiError';
    this.status = init.status;
    this.reason = init.reason;
    this.causes = init.causes ?? [];
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.serverMessage = init.serverMessage;
  }

  /** Worth retrying within a bounded wait: the server or the path to it failed, not the request. */
  get transient(): boolean {
    return (
      this.kubeCode === 'kube.unreachable' ||
      this.kubeCode === 'kube.unavailable' ||
      this.kubeCode === 'kube.limit'
    );
  }

  override toJSON(): ReturnType<Hk8sError['toJSON']> & Record<string, unknown> {
    return {
      ...super.toJSON(),
      ...(this.status === undefined ? {} : { status: this.status }),
      ...(this.reason === undefined ? {} : { reason: this.reason }),
    };
  }
}

export function isTransientKubeError(error: unknown): boolean {
  return error instanceof KubeApiError && error.transient;
}

function describeBudget(pdb: PdbSummary): string {
  const rule =
    pdb.minAvailable !== undefined
      ? `minAvailable ${pdb.minAvailable}`
      : pdb.maxUnavailable !== undefined
        ? `maxUnavailable ${pdb.maxUnavailable}`
        : 'no rule';
  const n = (v: number | undefined) => (v === undefined ? '?' : String(v));
  return (
    `PodDisruptionBudget ${pdb.namespace}/${pdb.name} (${rule}; currentHealthy ${n(pdb.currentHealthy)}, ` +
    `desiredHealthy ${n(pdb.desiredHealthy)}, disruptionsAllowed ${n(pdb.disruptionsAllowed)})`
  );
}

export function describeBlocker(blocker: DrainBlocker): string {
  const pod = `pod ${blocker.pod.name} in namespace ${blocker.pod.namespace}`;
  switch (blocker.kind) {
    case 'eviction-refused':
    case 'eviction-failed': {
      const verb = blocker.kind === 'eviction-refused' ? 'cannot be evicted' : 'failed to evict';
      const by =
        blocker.budgets.length > 0 ? `: blocked by ${blocker.budgets.map(describeBudget).join(' and ')}` : '';
      return `${pod} ${verb}${by} (${blocker.message})`;
    }
    case 'still-terminating':
      return `${pod} was evicted but is still on the node${blocker.phase ? ` (phase ${blocker.phase})` : ''}`;
    default:
      return assertNever(blocker, 'drain blocker');
  }
}

function drainHint(blockers: DrainBlocker[]): string {
  const budgets = blockers.some((b) => b.kind !== 'still-terminating' && b.budgets.length > 0);
  const terminating = blockers.some((b) => b.kind === 'still-terminating');
  const parts: string[] = [];
  if (budgets) {
    parts.push(
      'relax the PodDisruptionBudget (lower minAvailable, raise maxUnavailable, or scale the workload up so another replica is healthy elsewhere)',
    );
  }
  if (terminating)
    parts.push('check why the pod does not terminate (finalizers, a long terminationGracePeriodSeconds)');
  if (parts.length === 0) parts.push('read the eviction message and fix what it names');
  return `${parts.join('; ')}, then run \`hk8s resume\``;
}

/** The drain's deadline passed with pods still blocking it. The node stays cordoned. */
export class DrainBlockedError extends KubeError {
  readonly node: string;
  readonly blockers: DrainBlocker[];

  constructor(node: string, blockers: DrainBlocker[], timeoutMs: number) {
    const what = blockers.map(describeBlocker).join('; ');
    super(
      'kube.drain-blocked',
      `drain of node ${node} did not finish within ${formatMs(timeoutMs)}: ${what}`,
      {
        where: `node ${node}`,
        hint: drainHint(blockers),
      },
    );
    this.name = 'DrainBlockedError';
    this.node = node;
    this.blockers = blockers;
  }

  override toJSON(): ReturnType<Hk8sError['toJSON']> & Record<string, unknown> {
    return { ...super.toJSON(), node: this.node, blockers: this.blockers };
  }
}

/** Pods without a controller would be lost for good; like kubectl, refuse unless forced. */
export class DrainRefusedError extends KubeError {
  readonly node: string;
  readonly pods: PodRef[];

  constructor(node: string, pods: PodRef[]) {
    super(
      'kube.drain-refused',
      `cannot drain node ${node}: pods that declare no controller would not be recreated elsewhere: ${pods.map(podKey).join(', ')}`,
      {
        where: `node ${node}`,
        hint: 'delete these pods or run them under a controller (Deployment, StatefulSet, …), or drain with force to evict them anyway; then run `hk8s resume`',
      },
    );
    this.name = 'DrainRefusedError';
    this.node = node;
    this.pods = pods;
  }
}

function describeReadiness(node: NodeReadiness): string {
  if (!node.registered) return `${node.name} is not registered`;
  if (node.ready && node.pending) return `${node.name} is Ready but ${node.pending}`;
  const why = [node.reason, node.message].filter(Boolean).join(': ');
  return `${node.name} is not Ready${why ? ` (${why})` : ''}`;
}

export class NodesNotReadyError extends KubeError {
  readonly nodes: NodeReadiness[];

  constructor(notReady: NodeReadiness[], timeoutMs: number, lastError?: unknown) {
    const names = notReady.map((n) => n.name).join(', ');
    const failure = lastError instanceof Error ? `; the last request failed: ${lastError.message}` : '';
    super(
      'kube.nodes-not-ready',
      `nodes not Ready within ${formatMs(timeoutMs)}: ${notReady.map(describeReadiness).join('; ')}${failure}`,
      {
        where: `node ${names}`,
        hint: 'check the kubelet and the CNI on these nodes (a node stays NotReady until a network plugin runs), then run `hk8s resume`',
      },
    );
    this.name = 'NodesNotReadyError';
    this.nodes = notReady;
  }

  override toJSON(): ReturnType<Hk8sError['toJSON']> & Record<string, unknown> {
    return { ...super.toJSON(), nodes: this.nodes };
  }
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = ms / 1000;
  return Number.isInteger(s) ? `${s}s` : `${s.toFixed(1)}s`;
}

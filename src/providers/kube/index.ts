/**
 * Public surface of the Kubernetes provider. `@kubernetes/client-node` costs close to a second to
 * load, so it is imported only inside `createKubeClient`: commands that never talk to Kubernetes
 * (a plan of infrastructure, --version) never load it. Nothing this file imports statically may
 * import the library at runtime (test/unit/kube/lazy-load.test.ts checks the import graph).
 */
import type { KubeApi } from './api.js';
import { kubeOperations, type KubeClient, type KubeTimingOptions } from './client.js';

export interface KubeClientOptions extends KubeTimingOptions {
  /** Per HTTP request. Default 30 s. */
  requestTimeoutMs?: number;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** Loads client-node and builds the KubeApi adapter for a kubeconfig (server, CA, client cert and key inline). */
export async function createClientNodeApi(
  kubeconfigYaml: string,
  options: { requestTimeoutMs?: number } = {},
): Promise<KubeApi & { readonly server: string }> {
  const { ClientNodeKubeApi } = await import('./adapter/client-node-api.js');
  return new ClientNodeKubeApi(kubeconfigYaml, {
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
  });
}

/** The operations over a live cluster. Throws KubeError `kube.kubeconfig` when the kubeconfig is unusable. */
export async function createKubeClient(
  kubeconfigYaml: string,
  options: KubeClientOptions = {},
): Promise<KubeClient> {
  const { requestTimeoutMs, ...timing } = options;
  return kubeOperations(await createClientNodeApi(kubeconfigYaml, { requestTimeoutMs }), timing);
}

export { kubeOperations, DEFAULT_TIMING } from './client.js';
export type { KubeClient, KubeTimingOptions } from './client.js';
export type * from './api.js';
export type * from './types.js';
export type { DrainOptions } from './drain.js';
export type { WaitReadyOptions } from './ready.js';
export type { ServerSideApplyOptions } from './apply.js';
export { FIELD_MANAGER } from './apply.js';
export { systemClock, type Clock, type Backoff } from './clock.js';
export { classifyPod, selectPodsToEvict, MIRROR_POD_ANNOTATION, type PodDecision } from './pods.js';
export { selectorMatches, budgetsSelecting } from './budgets.js';
export { nodeInfo } from './nodes.js';
export {
  KubeError,
  KubeApiError,
  DrainBlockedError,
  DrainRefusedError,
  NodesNotReadyError,
  isTransientKubeError,
  type KubeErrorCode,
} from './errors.js';

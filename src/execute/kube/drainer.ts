/**
 * Drains a node through the cluster's Kubernetes API with the admin kubeconfig hk8s keeps: cordon,
 * evict every pod a drain should move (disruption budgets respected), wait until they are gone.
 * The Kubernetes client is created on the first drain of a run, so runs that drain nothing never
 * load it.
 */
import { KUBECONFIG_SECRET } from '../../plan/talos/nodes.js';
import { serverName } from '../../resources/hcloud/names.js';
import type { DrainEvent, KubeClient, KubeTimingOptions, PodRef } from '../../providers/kube/index.js';
import { KubeError } from '../../providers/kube/errors.js';
import type { DrainReport, NodeDrainer } from '../drain.js';
import type { RunContext } from '../runner.js';

/** `server.<pool>.<i>` → the node's name, which Talos sets to the server's hostname. */
export function nodeNameOf(cluster: string, serverAddress: string): string {
  const match = /^server\.(.+)\.(\d+)$/.exec(serverAddress);
  if (!match?.[1] || !match[2]) throw new Error(`${serverAddress} is not a server address`);
  return serverName(cluster, match[1], Number(match[2]));
}

const podName = (pod: PodRef) => `${pod.namespace}/${pod.name}`;

function describeProgress(event: DrainEvent): string | undefined {
  switch (event.kind) {
    case 'cordoned':
      return event.changed ? `cordoned ${event.node}` : `${event.node} was already cordoned`;
    case 'pods-classified':
      return `${event.evict.length} pods to evict, ${event.skip.length} left in place`;
    case 'eviction-blocked':
      return `${podName(event.pod)}: ${event.message}; retrying`;
    case 'waiting-for-pods':
      return `waiting for ${event.remaining.length} pods to go`;
    case 'evicting':
    case 'evicted':
    case 'already-gone':
    case 'drained':
      return undefined;
  }
}

export function kubernetesDrainer(cluster: string, timing: KubeTimingOptions = {}): NodeDrainer {
  let client: Promise<KubeClient> | undefined;
  let clientFor: string | undefined;
  const connect = async (kubeconfig: string): Promise<KubeClient> => {
    if (!client || clientFor !== kubeconfig) {
      const { createKubeClient } = await import('../../providers/kube/index.js');
      client = createKubeClient(kubeconfig, timing);
      clientFor = kubeconfig;
    }
    return client;
  };
  return {
    async drain(node: string, ctx: RunContext): Promise<DrainReport> {
      const kubeconfig = ctx.secrets.get(KUBECONFIG_SECRET);
      if (!kubeconfig) {
        return {
          drained: false,
          evicted: 0,
          why: 'the cluster has no kubeconfig yet (it never came up), so no workload runs on the node',
        };
      }
      const name = nodeNameOf(cluster, node);
      const kube = await connect(kubeconfig);
      try {
        const result = await kube.drain(name, {
          signal: ctx.signal,
          onProgress: (event) => {
            const text = describeProgress(event);
            if (text) ctx.progress(text);
          },
        });
        return { drained: true, evicted: result.evicted.length };
      } catch (error) {
        // A server whose kubelet never registered (or whose Node was deleted) carries no pods.
        if (error instanceof KubeError && error.kubeCode === 'kube.not-found') {
          return { drained: false, evicted: 0, why: `node ${name} is not registered in Kubernetes` };
        }
        throw error;
      }
    },
  };
}

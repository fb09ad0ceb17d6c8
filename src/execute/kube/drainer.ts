/**
 * A node's Kubernetes side, through the cluster's API with the admin kubeconfig hk8s keeps: drain
 * (cordon, evict every pod a drain should move with disruption budgets respected, wait until they
 * are gone), delete the Node object, wait until a new node is Ready. The Kubernetes client is created
 * on first use in a run, so runs that touch no node never load it.
 */
import { KUBECONFIG_SECRET } from '../../plan/talos/nodes.js';
import { serverName, serverPosition } from '../../resources/hcloud/names.js';
import type { DrainEvent, KubeClient, KubeTimingOptions, PodRef } from '../../providers/kube/index.js';
import { DEFAULT_TIMING } from '../../providers/kube/client.js';
import { KubeError } from '../../providers/kube/errors.js';
import type { DrainReport, NodeDrainer } from '../drain.js';
import type { NodeObjectReport, NodeObjects, NodeReadyReport } from '../node-objects.js';
import { InterruptedError, type RunContext } from '../runner.js';

/** `server.<pool>.<i>` (or a surge server's `server.<pool>.s<k>`) → the node's name, which Talos sets to the server's hostname. */
export function nodeNameOf(cluster: string, serverAddress: string): string {
  const position = serverPosition(serverAddress);
  if (!position) throw new Error(`${serverAddress} is not a server address`);
  return serverName(cluster, position.pool, position.index);
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

const NO_KUBECONFIG = 'the cluster has no kubeconfig yet (it never came up)';

/** Polls until the node is registered; a node cannot be Ready before any node has a network (CNI). */
async function waitRegistered(kube: KubeClient, name: string, ctx: RunContext, timing: KubeTimingOptions) {
  const pollMs = timing.nodePollMs ?? DEFAULT_TIMING.nodePollMs;
  const deadline = Date.now() + (timing.readyTimeoutMs ?? DEFAULT_TIMING.readyTimeoutMs);
  while (!(await kube.getNode(name, { signal: ctx.signal }))) {
    if (ctx.signal.aborted) throw new InterruptedError();
    if (Date.now() > deadline) {
      throw new KubeError('kube.nodes-not-ready', `node ${name} did not register in time`, {
        where: `node ${name}`,
        hint: 'Check that its kubelet runs (`hk8s status`), then run `hk8s resume`.',
      });
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** The client of a kubeconfig; tests pass one over an in-memory API. */
export type KubeConnector = (kubeconfig: string, timing: KubeTimingOptions) => Promise<KubeClient>;

const clientNode: KubeConnector = async (kubeconfig, timing) => {
  const { createKubeClient } = await import('../../providers/kube/index.js');
  return createKubeClient(kubeconfig, timing);
};

export function kubernetesDrainer(
  cluster: string,
  timing: KubeTimingOptions = {},
  connector: KubeConnector = clientNode,
): NodeDrainer & NodeObjects {
  let client: Promise<KubeClient> | undefined;
  let clientFor: string | undefined;
  const connect = (kubeconfig: string): Promise<KubeClient> => {
    if (!client || clientFor !== kubeconfig) {
      client = connector(kubeconfig, timing);
      clientFor = kubeconfig;
    }
    return client;
  };
  const kubeOf = (ctx: RunContext) => {
    const kubeconfig = ctx.secrets.get(KUBECONFIG_SECRET);
    return kubeconfig ? connect(kubeconfig) : undefined;
  };
  return {
    async drain(node: string, ctx: RunContext): Promise<DrainReport> {
      const connecting = kubeOf(ctx);
      if (!connecting) {
        return { drained: false, evicted: 0, why: `${NO_KUBECONFIG}, so no workload runs on the node` };
      }
      const name = nodeNameOf(cluster, node);
      const kube = await connecting;
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

    async deleteNode(server, ctx, options = {}): Promise<NodeObjectReport> {
      const connecting = kubeOf(ctx);
      if (!connecting) return { deleted: false, why: `${NO_KUBECONFIG}: no Node object to delete` };
      const name = nodeNameOf(cluster, server);
      const kube = await connecting;
      const node = await kube.getNode(name, { signal: ctx.signal });
      if (!node) return { deleted: false, why: `node ${name} is not registered: nothing to delete` };
      const keep = options.keepIfAddress;
      if (keep && node.addresses.some((a) => a.address === keep)) {
        return { deleted: false, why: `node ${name} already belongs to the new server (${keep})` };
      }
      const { existed } = await kube.deleteNode(name, { signal: ctx.signal });
      return existed ? { deleted: true } : { deleted: false, why: `node ${name} was already gone` };
    },

    async waitReady(server, ctx): Promise<NodeReadyReport> {
      const connecting = kubeOf(ctx);
      if (!connecting) return { ready: false, why: `${NO_KUBECONFIG}: readiness not checked` };
      const name = nodeNameOf(cluster, server);
      const kube = await connecting;
      ctx.progress(`waiting for node ${name} to register`);
      await waitRegistered(kube, name, ctx, timing);
      const others = (await kube.listNodes({}, { signal: ctx.signal })).filter((n) => n.name !== name);
      if (!others.some((n) => n.ready)) {
        return { ready: false, why: `node ${name} registered; no node is Ready yet (no network plugin?)` };
      }
      ctx.progress(`waiting for node ${name} to be Ready`);
      await kube.waitNodesReady([name], { signal: ctx.signal });
      return { ready: true };
    },
  };
}

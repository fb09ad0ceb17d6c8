/**
 * What disruptive node steps (upgrades, rebooting config changes) and the health gates need from
 * Kubernetes: drain before (the shared drainer), wait until the node is Ready again, uncordon
 * after, and read nodes and control-plane pods. Through the admin kubeconfig hk8s keeps; a cluster
 * that never came up has none, and then there is nothing to drain or wait for.
 */
import { KUBECONFIG_SECRET } from '../../plan/talos/nodes.js';
import type { KubeClient, KubeTimingOptions, NodeInfo, PodInfo } from '../../providers/kube/index.js';
import { KubeError } from '../../providers/kube/errors.js';
import type { DrainReport, NodeDrainer } from '../drain.js';
import { nodeNameOf } from '../kube/drainer.js';
import type { RunContext } from '../runner.js';

export interface NodeKube {
  /** Cordons the node at this server address and evicts its pods. */
  drain(server: string, ctx: RunContext): Promise<DrainReport>;
  /** Waits until the node is Ready and `check` (e.g. its OS image) passes; no-op without a cluster. */
  waitReady(
    server: string,
    ctx: RunContext,
    options: { timeoutMs?: number; check?: (node: NodeInfo) => string | undefined },
  ): Promise<void>;
  uncordon(server: string, ctx: RunContext): Promise<void>;
  /** Every Node, or undefined when the cluster has no kubeconfig yet. */
  nodes(ctx: RunContext): Promise<NodeInfo[] | undefined>;
  /** Pods of a namespace matching a label selector. */
  pods(ctx: RunContext, namespace: string, labelSelector: string): Promise<PodInfo[]>;
}

export function kubernetesNodes(
  cluster: string,
  drainer: NodeDrainer,
  timing: KubeTimingOptions = {},
): NodeKube {
  let client: Promise<KubeClient> | undefined;
  let clientFor: string | undefined;
  const connect = async (ctx: RunContext): Promise<KubeClient | undefined> => {
    const kubeconfig = ctx.secrets.get(KUBECONFIG_SECRET);
    if (!kubeconfig) return undefined;
    if (!client || clientFor !== kubeconfig) {
      const { createKubeClient } = await import('../../providers/kube/index.js');
      client = createKubeClient(kubeconfig, timing);
      clientFor = kubeconfig;
    }
    return client;
  };
  const call = (ctx: RunContext) => ({ signal: ctx.signal });
  return {
    drain: (server, ctx) => drainer.drain(server, ctx),
    async waitReady(server, ctx, options) {
      const kube = await connect(ctx);
      if (!kube) return;
      const name = nodeNameOf(cluster, server);
      await kube.waitNodesReady([name], {
        signal: ctx.signal,
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        ...(options.check ? { check: options.check } : {}),
      });
    },
    async uncordon(server, ctx) {
      const kube = await connect(ctx);
      if (!kube) return;
      const name = nodeNameOf(cluster, server);
      try {
        const { changed } = await kube.uncordon(name, call(ctx));
        if (changed) ctx.progress(`uncordoned ${name}`);
      } catch (error) {
        // A node whose kubelet never registered was never cordoned either.
        if (!(error instanceof KubeError && error.kubeCode === 'kube.not-found')) throw error;
      }
    },
    async nodes(ctx) {
      const kube = await connect(ctx);
      return kube ? kube.listNodes({}, call(ctx)) : undefined;
    },
    async pods(ctx, namespace, labelSelector) {
      const kube = await connect(ctx);
      return kube ? kube.listPods({ namespace, labelSelector }, call(ctx)) : [];
    },
  };
}

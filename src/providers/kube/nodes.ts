/** Node reads and the node-level changes: cordon, uncordon, delete. */
import type { CallOptions, KubeApi, NodeObject } from './api.js';
import { KubeApiError } from './errors.js';
import { withTransientRetry, type RetryPolicy } from './retry.js';
import type { NodeInfo, ReadyCondition } from './types.js';

function readyCondition(node: NodeObject): ReadyCondition | undefined {
  const condition = node.status?.conditions?.find((c) => c.type === 'Ready');
  if (condition === undefined) return undefined;
  const status = condition.status === 'True' || condition.status === 'False' ? condition.status : 'Unknown';
  const ready: ReadyCondition = { status };
  if (condition.reason) ready.reason = condition.reason;
  if (condition.message) ready.message = condition.message;
  return ready;
}

export function nodeInfo(node: NodeObject): NodeInfo {
  const ready = readyCondition(node);
  const info: NodeInfo = {
    name: node.metadata.name,
    ready: ready?.status === 'True',
    unschedulable: node.spec?.unschedulable === true,
    taints: node.spec?.taints ?? [],
    addresses: node.status?.addresses ?? [],
    labels: node.metadata.labels ?? {},
  };
  if (node.metadata.uid !== undefined) info.uid = node.metadata.uid;
  if (ready !== undefined) info.readyCondition = ready;
  if (node.spec?.providerID) info.providerID = node.spec.providerID;
  if (node.status?.nodeInfo?.kubeletVersion) info.kubeletVersion = node.status.nodeInfo.kubeletVersion;
  if (node.status?.nodeInfo?.osImage) info.osImage = node.status.nodeInfo.osImage;
  return info;
}

export function nodeNotFound(name: string): KubeApiError {
  return new KubeApiError('kube.not-found', `node ${name} is not registered in Kubernetes`, {
    where: `node ${name}`,
    status: 404,
    reason: 'NotFound',
    hint: 'check the node name (`kubectl get nodes`); a node registers once its kubelet runs',
  });
}

export class NodeOperations {
  constructor(
    private readonly api: KubeApi,
    private readonly retry: RetryPolicy,
  ) {}

  async listNodes(query: { labelSelector?: string } = {}, call: CallOptions = {}): Promise<NodeInfo[]> {
    const nodes = await withTransientRetry(this.retry, call.signal, () => this.api.listNodes(query, call));
    return nodes.map(nodeInfo).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Undefined when no node of that name is registered. */
  async getNode(name: string, call: CallOptions = {}): Promise<NodeInfo | undefined> {
    const node = await withTransientRetry(this.retry, call.signal, () => this.api.getNode(name, call));
    return node === undefined ? undefined : nodeInfo(node);
  }

  /** Marks the node unschedulable; `changed` is false when it already was (no PATCH is sent then). */
  cordon(name: string, call: CallOptions = {}): Promise<{ changed: boolean; node: NodeInfo }> {
    return this.setUnschedulable(name, true, call);
  }

  uncordon(name: string, call: CallOptions = {}): Promise<{ changed: boolean; node: NodeInfo }> {
    return this.setUnschedulable(name, false, call);
  }

  /** Deletes the Node object; a node that is already gone counts as deleted (`existed: false`). */
  async deleteNode(name: string, call: CallOptions = {}): Promise<{ existed: boolean }> {
    const outcome = await withTransientRetry(this.retry, call.signal, () => this.api.deleteNode(name, call));
    return { existed: outcome === 'deleted' };
  }

  private async setUnschedulable(
    name: string,
    unschedulable: boolean,
    call: CallOptions,
  ): Promise<{ changed: boolean; node: NodeInfo }> {
    return withTransientRetry(this.retry, call.signal, async () => {
      const current = await this.api.getNode(name, call);
      if (current === undefined) throw nodeNotFound(name);
      if ((current.spec?.unschedulable === true) === unschedulable)
        return { changed: false, node: nodeInfo(current) };
      const patched = await this.api.setUnschedulable(name, unschedulable, call);
      return { changed: true, node: nodeInfo(patched) };
    });
  }
}

/**
 * Kubernetes clients for the cluster's admin kubeconfig, created on first use (client-node costs
 * about a second to load, so runs and plans that never talk to Kubernetes never load it) and kept
 * for the kubeconfig they were made for.
 */
import type { KubeClient, KubeClientOptions } from '../../providers/kube/index.js';

/** A client for a kubeconfig; the same promise for the same kubeconfig. */
export type KubeClientSource = (kubeconfig: string) => Promise<KubeClient>;

export function lazyKubeClients(options: KubeClientOptions = {}): KubeClientSource {
  let client: Promise<KubeClient> | undefined;
  let clientFor: string | undefined;
  return (kubeconfig) => {
    if (!client || clientFor !== kubeconfig) {
      clientFor = kubeconfig;
      client = import('../../providers/kube/index.js').then(({ createKubeClient }) =>
        createKubeClient(kubeconfig, options),
      );
      // A kubeconfig that failed once is tried afresh next time, not answered from a rejected promise.
      client.catch(() => {
        if (clientFor === kubeconfig) client = undefined;
      });
    }
    return client;
  };
}

/**
 * Loading a kubeconfig (as Talos issues it: server URL, cluster CA, client certificate and key, all
 * inline). Parser messages are not passed on: a YAML error quotes the offending line, which may be
 * part of the private key.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { KubeError } from '../errors.js';

function invalid(why: string): KubeError {
  return new KubeError('kube.kubeconfig', `the kubeconfig is unusable: ${why}`, {
    where: 'kubeconfig',
    hint: 'fetch the admin kubeconfig again (`hk8s kubeconfig`) or check the file you passed',
  });
}

export function loadKubeconfig(yaml: string): { kc: KubeConfig; server: string } {
  const kc = new KubeConfig();
  try {
    kc.loadFromString(yaml);
  } catch {
    throw invalid('it is not a valid kubeconfig document');
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw invalid(`its current context (${kc.getCurrentContext() || 'none'}) names no cluster`);
  if (!kc.getCurrentUser()) throw invalid(`its current context (${kc.getCurrentContext()}) names no user`);
  let url: URL;
  try {
    url = new URL(cluster.server);
  } catch {
    throw invalid(`the server address ${JSON.stringify(cluster.server)} is not a URL`);
  }
  // client-node itself refuses plain http unless TLS verification is switched off.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && cluster.skipTLSVerify)) {
    throw invalid(`the server ${cluster.server} is not https`);
  }
  return { kc, server: cluster.server.replace(/\/+$/, '') };
}

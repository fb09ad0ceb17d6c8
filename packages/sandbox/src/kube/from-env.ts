/**
 * The sandbox process's Kubernetes simulation, configured from its environment:
 * HK8S_SANDBOX_KUBE=off disables it; HK8S_SANDBOX_KUBE_PORT changes the API port (default 6443).
 */
import type { TalosSimulator } from '../talos/simulator.js';
import { KubeSimulator } from './simulator.js';

export function kubeFromEnv(
  stateDir: string,
  talos: TalosSimulator,
  speed: number,
  env: NodeJS.ProcessEnv,
): KubeSimulator | undefined {
  if (env['HK8S_SANDBOX_KUBE'] === 'off') return undefined;
  const raw = env['HK8S_SANDBOX_KUBE_PORT'];
  const port = raw ? Number(raw) : 6443;
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`HK8S_SANDBOX_KUBE_PORT must be a port number, got '${raw}'`);
  }
  return new KubeSimulator({ stateDir, talos, port, speed });
}

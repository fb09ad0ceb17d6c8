/**
 * The sandbox process's Talos simulation, configured from its environment:
 * HK8S_SANDBOX_TALOS=off disables it; HK8S_SANDBOX_TALOS_PORT changes the node port (default 50000).
 */
import { TalosSimulator } from './simulator.js';

export function talosSimulatorFromEnv(
  stateDir: string,
  speed: number,
  env: NodeJS.ProcessEnv,
): TalosSimulator | undefined {
  if (env['HK8S_SANDBOX_TALOS'] === 'off') return undefined;
  const rawPort = env['HK8S_SANDBOX_TALOS_PORT'];
  const port = rawPort ? Number(rawPort) : 50000;
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`HK8S_SANDBOX_TALOS_PORT must be a port number, got '${rawPort}'`);
  }
  return new TalosSimulator({ stateDir, port, speed });
}

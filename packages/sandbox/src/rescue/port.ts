/**
 * Where the sandbox's simulated rescue systems answer SSH: on each server's own (loopback) public
 * IPv4, at this port unless HK8S_SANDBOX_RESCUE_PORT says otherwise. Hetzner's is 22; the sandbox
 * cannot bind a privileged port. No imports: the control entry re-exports it without loading ssh2.
 */
export const DEFAULT_RESCUE_PORT = 50022;

/** The rescue port from the environment (HK8S_SANDBOX_RESCUE_PORT), else the default. */
export function rescuePortFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env['HK8S_SANDBOX_RESCUE_PORT'];
  if (raw === undefined || raw === '') return DEFAULT_RESCUE_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`HK8S_SANDBOX_RESCUE_PORT must be a port number, got '${raw}'`);
  }
  return port;
}

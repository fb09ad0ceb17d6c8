/** Talos endpoints as `host[:port]` (no gRPC code: cheap to import). */

const DEFAULT_PORT = 50000;

/** Splits `host[:port]` / `[v6][:port]`; the port defaults to 50000. */
export function parseEndpoint(endpoint: string): { host: string; port: number; target: string } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(endpoint);
  const v4 = /^([^:]+)(?::(\d+))?$/.exec(endpoint);
  const m = v6 ?? v4;
  if (!m?.[1]) throw new Error(`invalid Talos endpoint '${endpoint}' (want host:port)`);
  const host = m[1];
  const port = m[2] === undefined ? DEFAULT_PORT : Number(m[2]);
  return { host, port, target: host.includes(':') ? `[${host}]:${port}` : `${host}:${port}` };
}

/**
 * Dialling one Talos endpoint: parsing `host[:port]`, the TLS credentials (mTLS from a
 * talosconfig, or unverified TLS for maintenance mode) and the four service clients, which share
 * one channel.
 */
import { credentials, type ChannelCredentials, type Client } from '@grpc/grpc-js';
import { isIP } from 'node:net';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { talosServices } from './proto.js';
import type { TalosClientOptions } from './types.js';

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

/** Accepts PEM, or base64 of PEM as a talosconfig stores it; relabels Talos's ed25519 key label. */
function pem(value: string): Buffer {
  const text = value.includes('-----BEGIN') ? value : Buffer.from(value, 'base64').toString('utf8');
  return Buffer.from(text.replace(/-----(BEGIN|END) ED25519 PRIVATE KEY-----/g, '-----$1 PRIVATE KEY-----'));
}

function channelCredentials(options: TalosClientOptions, host: string): ChannelCredentials {
  if (options.mode === 'insecure') {
    return credentials.createSsl(null, null, null, { rejectUnauthorized: false });
  }
  return credentials.createSsl(pem(options.ca), pem(options.key), pem(options.cert), {
    // Talos puts the node's addresses in its certificate's SANs; check the one we dialled.
    checkServerIdentity: (_servername: string, cert: PeerCertificate) => checkServerIdentity(host, cert),
  });
}

export interface TalosServiceClients {
  /** Owns the channel: closing it closes the others. */
  machine: Client;
  lifecycle: Client;
  images: Client;
  cluster: Client;
}

/** Opens the channel to `target` (the dialled `host` and its port) and a client per service. */
export function openServiceClients(
  options: TalosClientOptions,
  host: string,
  target: string,
): TalosServiceClients {
  const services = talosServices();
  const channelOptions: Record<string, string | number> = {
    // A rebooting node is back within seconds: do not let the reconnect backoff grow to minutes.
    'grpc.initial_reconnect_backoff_ms': 200,
    'grpc.max_reconnect_backoff_ms': 5000,
  };
  // TLS forbids an IP address as SNI (Node warns); apid ignores SNI, and the server identity is
  // still checked against the dialled IP by checkServerIdentity above.
  if (isIP(host) !== 0) channelOptions['grpc.ssl_target_name_override'] = 'talos-apid';
  const machine = new services.MachineService(target, channelCredentials(options, host), channelOptions);
  const shared = { ...channelOptions, channelOverride: machine.getChannel() };
  return {
    machine,
    lifecycle: new services.LifecycleService(target, credentials.createInsecure(), shared),
    images: new services.ImageService(target, credentials.createInsecure(), shared),
    cluster: new services.ClusterService(target, credentials.createInsecure(), shared),
  };
}

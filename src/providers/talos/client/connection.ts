/**
 * Dialling one Talos endpoint: parsing `host[:port]`, the TLS credentials (mTLS from a
 * talosconfig, or unverified TLS for maintenance mode) and the service clients, which share
 * one channel.
 */
import { credentials, type ChannelCredentials, type Client } from '@grpc/grpc-js';
import { isIP } from 'node:net';
import { createHash } from 'node:crypto';
import { checkServerIdentity, createSecureContext, type PeerCertificate, type SecureContext } from 'node:tls';
import { talosServices } from './proto.js';
import type { TalosClientOptions } from './types.js';

export { parseEndpoint } from './endpoint.js';

/** Accepts PEM, or base64 of PEM as a talosconfig stores it; relabels Talos's ed25519 key label. */
function pem(value: string): Buffer {
  const text = value.includes('-----BEGIN') ? value : Buffer.from(value, 'base64').toString('utf8');
  return Buffer.from(text.replace(/-----(BEGIN|END) ED25519 PRIVATE KEY-----/g, '-----$1 PRIVATE KEY-----'));
}

/**
 * One TLS context per CA, key and certificate in a process: building one parses the PEMs and
 * loads the CA, which per client (one per node, hundreds in a plan or an apply) adds up.
 */
const secureContexts = new Map<string, SecureContext>();

function secureContextFor(ca: string, key: string, cert: string): SecureContext {
  const id = createHash('sha256').update(ca).update('\0').update(key).update('\0').update(cert).digest('hex');
  let context = secureContexts.get(id);
  if (!context) {
    context = createSecureContext({ ca: pem(ca), key: pem(key), cert: pem(cert) });
    secureContexts.set(id, context);
  }
  return context;
}

/** How many TLS contexts this process built for mTLS clients (tests count them). */
export function secureContextCount(): number {
  return secureContexts.size;
}

function channelCredentials(options: TalosClientOptions, host: string): ChannelCredentials {
  if (options.mode === 'insecure') {
    return credentials.createSsl(null, null, null, { rejectUnauthorized: false });
  }
  return credentials.createFromSecureContext(secureContextFor(options.ca, options.key, options.cert), {
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
  cosi: Client;
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
    cosi: new services.State(target, credentials.createInsecure(), shared),
  };
}

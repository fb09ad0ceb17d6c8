/**
 * The gRPC listener of one simulated node: maintenance (self-signed, no client certificate) or
 * apid-like mTLS (server certificate from the OS CA, client certificates required and checked
 * against it, roles from the certificate's Organization). Also emulates apid's node targeting:
 * `nodes` metadata → one reply message per node with metadata.hostname, failures as metadata.error.
 */
import {
  Server,
  ServerCredentials,
  status,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServerWritableStream,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { gateMaintenance, UNARY_HANDLERS } from './api.js';
import { cosiGet, cosiList } from './cosi.js';
import type { SimNode } from './node.js';
import type { IssuedPair } from './pki.js';
import { organizations } from './pki.js';
import { nodeServices } from './proto.js';
import { RpcError, type Caller } from './rpc.js';
import { healthCheck, imagePull, kubeconfig, lifecycleUpgrade, type StreamHandler } from './streams.js';

export interface ListenerOptions {
  address: string;
  maintenance: boolean;
  cert: IssuedPair;
  /** PEM of the CA client certificates must chain to (null in maintenance mode). */
  clientCa: string | null;
}

type Message = Record<string, unknown>;
type Call = ServerUnaryCall<Message, Message> | ServerWritableStream<Message, Message>;

function callerOf(call: Call, maintenance: boolean): Caller {
  if (maintenance) return { roles: new Set(['os:reader']), maintenance: true };
  const subject = call.getAuthContext()?.sslPeerCertificate?.subject;
  return { roles: new Set(organizations(subject)), maintenance: false };
}

function asStatus(error: unknown, node: SimNode): { code: status; details: string } {
  if (error instanceof RpcError) return { code: error.code, details: error.message };
  node.env.log(`talos: node ${node.record.name}: internal error: ${(error as Error).stack ?? String(error)}`);
  return { code: status.INTERNAL, details: (error as Error).message };
}

/** `FAILED_PRECONDITION` → `FailedPrecondition`, as Go prints gRPC codes. */
function goCodeName(code: status): string {
  const name = status[code] ?? 'Unknown';
  if (name === 'OK') return 'OK';
  return name
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

function errorMetadata(hostname: string, error: unknown, node: SimNode): Message {
  const s = asStatus(error, node);
  return {
    metadata: {
      hostname,
      error: `rpc error: code = ${goCodeName(s.code)} desc = ${s.details}`,
      status: { code: s.code, message: s.details, details: [] },
    },
  };
}

/** Whom a `node`/`nodes` value names, as apid would route it from this node. */
function resolveTarget(self: SimNode, target: string): SimNode {
  if (self.addresses.includes(target) || target === self.hostname || target === self.record.name) return self;
  const peer = self.env.findNode(target);
  const sameCluster = peer?.config && peer.config.osCa.crt === self.config?.osCa.crt;
  if (!peer || !peer.up || !peer.config || !sameCluster) {
    throw new RpcError(
      status.UNAVAILABLE,
      `connection error: desc = "transport: Error while dialing: dial tcp ${target}:50000: connect: connection refused"`,
    );
  }
  return peer;
}

function targetsOf(call: Call, maintenance: boolean): { many: string[]; one: string | undefined } {
  // Node routing is off in maintenance mode.
  if (maintenance) return { many: [], one: undefined };
  const many = call.metadata.get('nodes').map(String);
  const one = call.metadata.get('node').map(String);
  if (one.length > 1) throw new RpcError(status.INVALID_ARGUMENT, 'node metadata must be single-valued');
  return { many, one: one[0] };
}

function unary(self: SimNode, name: string, maintenance: boolean) {
  const handler = UNARY_HANDLERS[name];
  return (call: ServerUnaryCall<Message, Message>, callback: sendUnaryData<Message>) => {
    self.env.countCall(self.id, name);
    const run = async (): Promise<Message> => {
      if (!handler) throw new RpcError(status.UNIMPLEMENTED, `method ${name} not implemented`);
      const caller = callerOf(call, maintenance);
      const invoke = (target: SimNode) => {
        gateMaintenance(target, name, caller);
        return handler(target, call.request, caller);
      };
      const { many, one } = targetsOf(call, maintenance);
      if (many.length > 0) {
        const messages: Message[] = [];
        for (const target of many) {
          try {
            const message = await invoke(resolveTarget(self, target));
            messages.push({ ...message, metadata: { hostname: target } });
          } catch (error) {
            messages.push(errorMetadata(target, error, self));
          }
        }
        return { messages };
      }
      return { messages: [await invoke(one ? resolveTarget(self, one) : self)] };
    };
    run().then(
      (reply) => callback(null, reply),
      (error: unknown) => callback(asStatus(error, self), null),
    );
  };
}

function streaming(
  self: SimNode,
  name: string,
  handler: StreamHandler,
  maintenance: boolean,
  proxied: boolean,
) {
  const service = serviceOf(name);
  const countAs =
    service === 'machine.MachineService' || service === 'cluster.ClusterService'
      ? name
      : `${service.slice(8)}/${name}`;
  return (call: ServerWritableStream<Message, Message>) => {
    self.env.countCall(self.id, countAs);
    const control = { cancelled: false };
    call.on('cancelled', () => {
      control.cancelled = true;
    });
    const produce = async function* (): AsyncGenerator<Message> {
      const caller = callerOf(call, maintenance);
      if (maintenance && minorOf(self) < 13) {
        throw new RpcError(status.UNIMPLEMENTED, `unknown method ${name} for service ${serviceOf(name)}`);
      }
      const { many, one } = targetsOf(call, maintenance);
      if (many.length > 0 && !proxied) {
        throw new RpcError(
          status.INVALID_ARGUMENT,
          `one-2-many proxying is not supported for method /${serviceOf(name)}/${name}`,
        );
      }
      if (many.length === 0) {
        yield* handler(one ? resolveTarget(self, one) : self, call.request, caller, control);
        return;
      }
      for (const target of many) {
        try {
          for await (const message of handler(resolveTarget(self, target), call.request, caller, control)) {
            yield { ...message, metadata: { hostname: target } };
          }
        } catch (error) {
          yield errorMetadata(target, error, self);
        }
      }
    };
    (async () => {
      for await (const message of produce()) {
        if (control.cancelled) return;
        call.write(message);
      }
      if (!control.cancelled) call.end();
    })().catch((error: unknown) => {
      if (!control.cancelled) call.emit('error', asStatus(error, self));
    });
  };
}

function minorOf(node: SimNode): number {
  return Number(/^v?\d+\.(\d+)/.exec(node.record.version)?.[1] ?? 13);
}

function serviceOf(name: string): string {
  if (name === 'HealthCheck') return 'cluster.ClusterService';
  if (name === 'Pull') return 'machine.ImageService';
  if (name === 'Upgrade') return 'machine.LifecycleService';
  return 'machine.MachineService';
}

/**
 * cosi.resource.State: apid sends COSI calls to one node only (`node` metadata) and refuses
 * `nodes`; the replies carry no per-node metadata.
 */
function cosiTarget(self: SimNode, call: Call, maintenance: boolean): SimNode {
  const { many, one } = targetsOf(call, maintenance);
  if (many.length > 0) {
    throw new RpcError(status.INVALID_ARGUMENT, 'one-2-many proxying is not supported for COSI methods');
  }
  return one ? resolveTarget(self, one) : self;
}

function cosiService(self: SimNode, maintenance: boolean): UntypedServiceImplementation {
  return {
    Get: (call: ServerUnaryCall<Message, Message>, callback: sendUnaryData<Message>) => {
      self.env.countCall(self.id, 'cosi/Get');
      try {
        const target = cosiTarget(self, call, maintenance);
        callback(null, cosiGet(target, call.request, callerOf(call, maintenance)));
      } catch (error) {
        callback(asStatus(error, self), null);
      }
    },
    List: (call: ServerWritableStream<Message, Message>) => {
      self.env.countCall(self.id, 'cosi/List');
      try {
        const target = cosiTarget(self, call, maintenance);
        for (const message of cosiList(target, call.request, callerOf(call, maintenance)))
          call.write(message);
        call.end();
      } catch (error) {
        call.emit('error', asStatus(error, self));
      }
    },
  };
}

async function bind(server: Server, address: string, credentials: ServerCredentials): Promise<void> {
  let lastError: Error | undefined;
  // The previous listener of this address may still be releasing the port.
  for (let attempt = 0; attempt < 40; attempt++) {
    try {
      await new Promise<void>((resolve, reject) => {
        server.bindAsync(address, credentials, (error) => (error ? reject(error) : resolve()));
      });
      return;
    } catch (error) {
      lastError = error as Error;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  throw new Error(`cannot listen on ${address}: ${lastError?.message ?? 'unknown error'}`);
}

export async function startNodeServer(self: SimNode, options: ListenerOptions): Promise<Server> {
  const services = nodeServices();
  const server = new Server();
  const pair = { private_key: Buffer.from(options.cert.key), cert_chain: Buffer.from(options.cert.cert) };
  const credentials = options.maintenance
    ? ServerCredentials.createSsl(null, [pair], false)
    : ServerCredentials.createSsl(Buffer.from(options.clientCa ?? ''), [pair], true);
  const m = options.maintenance;
  const machine: UntypedServiceImplementation = {};
  for (const name of Object.keys(UNARY_HANDLERS)) machine[name] = unary(self, name, m);
  machine['Kubeconfig'] = streaming(self, 'Kubeconfig', kubeconfig, m, true);
  server.addService(services.machine, machine);
  server.addService(services.cluster, { HealthCheck: streaming(self, 'HealthCheck', healthCheck, m, true) });
  server.addService(services.lifecycle, { Upgrade: streaming(self, 'Upgrade', lifecycleUpgrade, m, false) });
  server.addService(services.image, { Pull: streaming(self, 'Pull', imagePull, m, false) });
  server.addService(services.cosi, cosiService(self, m));
  await bind(server, options.address, credentials);
  return server;
}

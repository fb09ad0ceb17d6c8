/**
 * The Talos client as the rest of hk8s gets it: the gRPC library and the protobuf definitions
 * (a few hundred milliseconds to load) are loaded on the first call, not when a module that may
 * talk to Talos is imported, so that commands that never call a node (a plan of a cluster with no
 * nodes yet, `--version`, `validate`) do not pay for them.
 */
import { parseEndpoint } from './endpoint.js';
import type { TalosClient, TalosClientOptions } from './types.js';

type Method = Exclude<keyof TalosClient, 'endpoint' | 'mode' | 'close'>;

const METHODS: readonly Method[] = [
  'applyConfiguration',
  'bootstrap',
  'kubeconfig',
  'version',
  'etcdMemberList',
  'etcdStatus',
  'etcdRemoveMemberById',
  'etcdLeaveCluster',
  'upgrade',
  'reboot',
  'reset',
  'serviceList',
  'healthCheck',
  'imagePull',
  'lifecycleUpgrade',
  'cosiGet',
  'cosiList',
  'runningSchematic',
];

/** Opens a client to one Talos endpoint (`host:port`) on its first call. Close it when done. */
export function createTalosClient(options: TalosClientOptions): TalosClient {
  // An invalid endpoint throws here, as the eager client did.
  const { target } = parseEndpoint(options.endpoint);
  let real: Promise<TalosClient> | undefined;
  let closed = false;
  const load = () =>
    (real ??= import('./client.js').then((m) => {
      const client = m.createTalosClient(options);
      if (closed) client.close();
      return client;
    }));
  const client: Record<string, unknown> = {
    endpoint: target,
    mode: options.mode,
    close: () => {
      closed = true;
      void real?.then((c) => c.close()).catch(() => undefined);
    },
  };
  for (const method of METHODS) {
    client[method] = async (...args: unknown[]) => {
      const loaded = await load();
      return (loaded[method] as (...a: unknown[]) => Promise<unknown>).apply(loaded, args);
    };
  }
  return client as unknown as TalosClient;
}

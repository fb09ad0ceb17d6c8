/**
 * Loads the Talos protocol files (`proto/talos/`, `proto/cosi/`, shipped beside `dist/`) once per process, and
 * encodes the well-known protobuf types the requests use.
 */
import { loadPackageDefinition, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';

const PROTO_ROOT = fileURLToPath(new URL('../../../../proto/talos/', import.meta.url));
/** The COSI resource API: its own import root (`v1alpha1/…`), as in cosi-project/specification. */
const COSI_ROOT = fileURLToPath(new URL('../../../../proto/cosi/', import.meta.url));
const FILES = [
  'machine/machine.proto',
  'machine/lifecycle.proto',
  'machine/image.proto',
  'cluster/cluster.proto',
];

/** How messages look in JavaScript: camelCase fields, 64-bit integers and enums as strings. */
export const LOADER_OPTIONS: Options = {
  includeDirs: [PROTO_ROOT],
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

export interface TalosServices {
  MachineService: ServiceClientConstructor;
  LifecycleService: ServiceClientConstructor;
  ImageService: ServiceClientConstructor;
  ClusterService: ServiceClientConstructor;
  /** cosi.resource.State (Get, List). */
  State: ServiceClientConstructor;
}

let loaded: TalosServices | undefined;

export function talosServices(): TalosServices {
  if (loaded) return loaded;
  // Boundary: the loaded package's shape is the protos', which TypeScript cannot see.
  const root = loadPackageDefinition(loadSync(FILES, LOADER_OPTIONS)) as unknown as {
    machine: Record<string, ServiceClientConstructor>;
    cluster: Record<string, ServiceClientConstructor>;
  };
  const cosi = loadPackageDefinition(
    loadSync(['v1alpha1/state.proto'], { ...LOADER_OPTIONS, includeDirs: [COSI_ROOT] }),
  ) as unknown as { cosi: { resource: Record<string, ServiceClientConstructor> } };
  const need = (pkg: Record<string, ServiceClientConstructor>, name: string) => {
    const ctor = pkg[name];
    if (!ctor) throw new Error(`proto/talos does not define ${name}`);
    return ctor;
  };
  loaded = {
    MachineService: need(root.machine, 'MachineService'),
    LifecycleService: need(root.machine, 'LifecycleService'),
    ImageService: need(root.machine, 'ImageService'),
    ClusterService: need(root.cluster, 'ClusterService'),
    State: need(cosi.cosi.resource, 'State'),
  };
  return loaded;
}

/** A `google.protobuf.Duration` from milliseconds (negative becomes zero). */
export function duration(ms: number): { seconds: string; nanos: number } {
  const whole = Math.max(0, Math.floor(ms));
  return { seconds: String(Math.floor(whole / 1000)), nanos: (whole % 1000) * 1_000_000 };
}

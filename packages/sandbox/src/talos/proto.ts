/** The simulated node's view of the Talos protocol files (loaded independently of the client). */
import { loadPackageDefinition, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';
import { TALOS_PROTOS_URL } from '../specs.js';

const ROOT = fileURLToPath(TALOS_PROTOS_URL);

export interface NodeServices {
  machine: ServiceDefinition;
  lifecycle: ServiceDefinition;
  image: ServiceDefinition;
  cluster: ServiceDefinition;
}

let cached: NodeServices | undefined;

export function nodeServices(): NodeServices {
  if (cached) return cached;
  const definition = loadSync(
    ['machine/machine.proto', 'machine/lifecycle.proto', 'machine/image.proto', 'cluster/cluster.proto'],
    { includeDirs: [ROOT], keepCase: false, longs: String, enums: String, defaults: true, oneofs: true },
  );
  const pkg = loadPackageDefinition(definition) as unknown as {
    machine: Record<string, { service: ServiceDefinition }>;
    cluster: Record<string, { service: ServiceDefinition }>;
  };
  const service = (ctor: { service: ServiceDefinition } | undefined, name: string) => {
    if (!ctor) throw new Error(`proto/talos has no ${name}`);
    return ctor.service;
  };
  cached = {
    machine: service(pkg.machine['MachineService'], 'MachineService'),
    lifecycle: service(pkg.machine['LifecycleService'], 'LifecycleService'),
    image: service(pkg.machine['ImageService'], 'ImageService'),
    cluster: service(pkg.cluster['ClusterService'], 'ClusterService'),
  };
  return cached;
}

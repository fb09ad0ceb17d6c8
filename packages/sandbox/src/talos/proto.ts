/** The simulated node's view of the Talos protocol files (loaded independently of the client). */
import { loadPackageDefinition, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';
import { COSI_PROTOS_URL, TALOS_PROTOS_URL } from '../specs.js';

const ROOT = fileURLToPath(TALOS_PROTOS_URL);
const COSI_ROOT = fileURLToPath(COSI_PROTOS_URL);

export interface NodeServices {
  machine: ServiceDefinition;
  lifecycle: ServiceDefinition;
  image: ServiceDefinition;
  cluster: ServiceDefinition;
  /** cosi.resource.State (Get, List). */
  cosi: ServiceDefinition;
}

let cached: NodeServices | undefined;

export function nodeServices(): NodeServices {
  if (cached) return cached;
  const options = { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true };
  const definition = loadSync(
    ['machine/machine.proto', 'machine/lifecycle.proto', 'machine/image.proto', 'cluster/cluster.proto'],
    { ...options, includeDirs: [ROOT] },
  );
  // A separate load: the COSI files have their own import root (`v1alpha1/…`).
  const cosi = loadPackageDefinition(
    loadSync(['v1alpha1/state.proto'], { ...options, includeDirs: [COSI_ROOT] }),
  ) as unknown as {
    cosi: { resource: Record<string, { service: ServiceDefinition }> };
  };
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
    cosi: service(cosi.cosi.resource['State'], 'cosi.resource.State'),
  };
  return cached;
}

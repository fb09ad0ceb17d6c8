/**
 * The COSI resource API (`cosi.resource.State` Get and List) over the client's channel, and what
 * hk8s reads through it: the Image Factory schematic a node runs, which Talos reports as the
 * `ExtensionStatuses.runtime.talos.dev` resource whose spec names the extension `schematic` and
 * carries the id as its version (talos.md §1.7, §7).
 */
import type { Client } from '@grpc/grpc-js';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { parse } from 'yaml';
import { TalosApiError } from './errors.js';
import type { TalosTransport } from './transport.js';
import type { CosiRef, CosiResource, TalosCallOptions } from './types.js';

interface WireResource {
  metadata?: {
    namespace?: string;
    type?: string;
    id?: string;
    version?: string;
    phase?: string;
    labels?: Record<string, string> | null;
  } | null;
  spec?: { yamlSpec?: string } | null;
}

function fromWire(resource: WireResource | null | undefined): CosiResource {
  const m = resource?.metadata ?? {};
  return {
    namespace: m.namespace ?? '',
    type: m.type ?? '',
    id: m.id ?? '',
    version: m.version ?? '',
    phase: m.phase ?? '',
    labels: m.labels ?? {},
    specYaml: resource?.spec?.yamlSpec ?? '',
  };
}

export async function cosiGet(
  transport: TalosTransport,
  cosi: Client,
  ref: CosiRef & { id: string },
  options?: TalosCallOptions,
): Promise<CosiResource | undefined> {
  try {
    const reply = await transport.unaryRaw<{ resource?: WireResource | null }>(
      cosi,
      'Get',
      'CosiGet',
      { namespace: ref.namespace, type: ref.type, id: ref.id },
      options,
    );
    return fromWire(reply.resource);
  } catch (error) {
    if (error instanceof TalosApiError && error.grpcCode === GrpcStatus.NOT_FOUND) return undefined;
    throw error;
  }
}

export async function cosiList(
  transport: TalosTransport,
  cosi: Client,
  ref: CosiRef,
  options?: TalosCallOptions,
): Promise<CosiResource[]> {
  let resources: CosiResource[] = [];
  await transport.stream<{ resource?: WireResource | null }>(
    cosi,
    'List',
    'CosiList',
    { namespace: ref.namespace, type: ref.type },
    options,
    (message) => {
      resources.push(fromWire(message.resource));
    },
    // A List is read whole, so a broken stream can start over.
    { restart: () => (resources = []) },
  );
  return resources;
}

export const EXTENSION_STATUSES: CosiRef = {
  namespace: 'runtime',
  type: 'ExtensionStatuses.runtime.talos.dev',
};

/** The schematic id in an ExtensionStatus spec, when it is the `schematic` pseudo-extension. */
export function schematicOfExtensionSpec(specYaml: string): string | undefined {
  let spec: unknown;
  try {
    spec = parse(specYaml);
  } catch {
    return undefined;
  }
  const metadata = (spec as { metadata?: { name?: unknown; version?: unknown } } | null)?.metadata;
  if (metadata?.name !== 'schematic' || typeof metadata.version !== 'string') return undefined;
  return metadata.version;
}

/**
 * The schematic the node runs, or null when it reports none. Listed rather than got by id: Talos
 * numbers extension statuses by position ("0", "1", …), so the schematic's id varies.
 */
export async function runningSchematic(
  transport: TalosTransport,
  cosi: Client,
  options?: TalosCallOptions,
): Promise<string | null> {
  for (const resource of await cosiList(transport, cosi, EXTENSION_STATUSES, options)) {
    const id = schematicOfExtensionSpec(resource.specYaml);
    if (id !== undefined) return id;
  }
  return null;
}

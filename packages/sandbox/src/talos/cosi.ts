/**
 * The COSI resource API of a simulated node (`cosi.resource.State` Get and List), with the
 * resources hk8s reads: `ExtensionStatuses.runtime.talos.dev` in namespace `runtime`, where a node
 * booted from an Image Factory image reports the schematic it runs (talos.md §1.7, §7).
 *
 * Talos's access policy for the API (shared by machined and maintenance mode) refuses, for Get and
 * List alike, a resource type it has no definition of (`resource type "…" is not supported`) and
 * a namespace it does not have (`namespace "…" is not supported`), with PERMISSION_DENIED; a
 * known type in a known namespace lists what there is (maybe nothing), and Get of a missing id is
 * NOT_FOUND. Reads need os:reader (or operator, admin); maintenance mode's callers are os:reader,
 * so COSI reads work there too (talos.md §2).
 */
import { status } from '@grpc/grpc-js';
import type { SimNode } from './node.js';
import { authorize, rpcError, type Caller } from './rpc.js';

type Message = Record<string, unknown>;

export const EXTENSION_STATUS_TYPE = 'ExtensionStatuses.runtime.talos.dev';

/**
 * Namespaces a Talos node has (a known type may be asked for in any of them and lists nothing
 * there). Not every one Talos registers: those a client may plausibly name.
 */
const NAMESPACES: ReadonlySet<string> = new Set([
  'cluster',
  'config',
  'controlplane',
  'files',
  'hardware',
  'k8s',
  'network',
  'runtime',
  'secrets',
  'v1alpha1',
]);

interface SimResource {
  id: string;
  /** The spec as Talos's API renders it (yaml_spec). */
  yaml: string;
}

/** Resource types the simulated node defines, by lowercased type (definitions are looked up so). */
const TYPES: Record<string, { type: string; namespace: string; list: (node: SimNode) => SimResource[] }> = {
  [EXTENSION_STATUS_TYPE.toLowerCase()]: {
    type: EXTENSION_STATUS_TYPE,
    namespace: 'runtime',
    list: extensionStatuses,
  },
};

/**
 * One entry per extension of the running image, numbered "0", "1", … as Talos does. The sandbox
 * knows a schematic only by its id, not its extensions, so it reports just the `schematic`
 * pseudo-extension the Image Factory adds; a node with no schematic (a non-factory image) none.
 */
function extensionStatuses(node: SimNode): SimResource[] {
  const schematic = node.record.schematic ?? '';
  if (schematic === '') return [];
  const yaml = [
    'image: schematic.sqsh',
    'metadata:',
    '  name: schematic',
    `  version: ${schematic}`,
    '  description: This is a meta-extension which identifies the schematic ID used to build the image',
    '',
  ].join('\n');
  return [{ id: '0', yaml }];
}

function definitionOf(type: string, namespace: string) {
  const definition = TYPES[type.toLowerCase()];
  if (!definition) throw rpcError(status.PERMISSION_DENIED, `resource type "${type}" is not supported`);
  if (!NAMESPACES.has(namespace)) {
    throw rpcError(status.PERMISSION_DENIED, `namespace "${namespace}" is not supported`);
  }
  return definition;
}

function wire(node: SimNode, type: string, namespace: string, resource: SimResource): Message {
  const created = { seconds: String(Math.floor(node.bootedAt / 1000)), nanos: 0 };
  return {
    metadata: {
      namespace,
      type,
      id: resource.id,
      version: '1',
      owner: 'runtime.ExtensionStatusController',
      phase: 'running',
      created,
      updated: created,
      finalizers: [],
      labels: {},
      annotations: {},
    },
    spec: { protoSpec: Buffer.alloc(0), yamlSpec: resource.yaml },
  };
}

function resourcesOf(
  node: SimNode,
  request: Message,
): { type: string; namespace: string; items: SimResource[] } {
  const type = String(request['type'] ?? '');
  const namespace = String(request['namespace'] ?? '');
  const definition = definitionOf(type, namespace);
  const items = namespace === definition.namespace ? definition.list(node) : [];
  return { type: definition.type, namespace, items };
}

export function cosiGet(node: SimNode, request: Message, caller: Caller): Message {
  authorize('cosi/Get', caller);
  const { type, namespace, items } = resourcesOf(node, request);
  const id = String(request['id'] ?? '');
  const found = items.find((r) => r.id === id);
  if (!found) {
    // cosi-project/runtime's wording for a missing resource: its pointer `type(namespace/id@version)`.
    throw rpcError(status.NOT_FOUND, `resource ${type}(${namespace}/${id}@undefined) doesn't exist`);
  }
  return { resource: wire(node, type, namespace, found) };
}

export function cosiList(node: SimNode, request: Message, caller: Caller): Message[] {
  authorize('cosi/List', caller);
  const { type, namespace, items } = resourcesOf(node, request);
  return items.map((r) => ({ resource: wire(node, type, namespace, r) }));
}

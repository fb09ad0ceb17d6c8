/**
 * The resource types the simulated API serves: the built-in ones kubectl, drains and addon charts
 * use, plus one per served version of every CustomResourceDefinition in the store.
 */
import { asArray, asObject, asString, type KubeObject } from './types.js';

export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /** Subresource name → kind it answers with (eviction lives in policy/v1). */
  subresources: Subresource[];
}

export interface Subresource {
  name: string;
  group: string;
  version: string;
  kind: string;
  verbs: string[];
}

export const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function status(group: string, version: string, kind: string): Subresource {
  return { name: 'status', group, version, kind, verbs: ['get', 'patch', 'update'] };
}

function scale(): Subresource {
  return {
    name: 'scale',
    group: 'autoscaling',
    version: 'v1',
    kind: 'Scale',
    verbs: ['get', 'patch', 'update'],
  };
}

interface Spec {
  plural: string;
  kind: string;
  namespaced?: boolean;
  shortNames?: string[];
  all?: boolean;
  status?: boolean;
  scale?: boolean;
}

function define(group: string, version: string, specs: Spec[]): ResourceType[] {
  return specs.map((s) => ({
    group,
    version,
    plural: s.plural,
    singular: s.kind.toLowerCase(),
    kind: s.kind,
    namespaced: s.namespaced ?? true,
    shortNames: s.shortNames ?? [],
    categories: s.all ? ['all'] : [],
    subresources: [...(s.status ? [status(group, version, s.kind)] : []), ...(s.scale ? [scale()] : [])],
  }));
}

const core = define('', 'v1', [
  { plural: 'configmaps', kind: 'ConfigMap', shortNames: ['cm'] },
  { plural: 'endpoints', kind: 'Endpoints', shortNames: ['ep'] },
  { plural: 'events', kind: 'Event', shortNames: ['ev'] },
  { plural: 'namespaces', kind: 'Namespace', namespaced: false, shortNames: ['ns'], status: true },
  { plural: 'nodes', kind: 'Node', namespaced: false, shortNames: ['no'], status: true },
  { plural: 'persistentvolumeclaims', kind: 'PersistentVolumeClaim', shortNames: ['pvc'], status: true },
  {
    plural: 'persistentvolumes',
    kind: 'PersistentVolume',
    namespaced: false,
    shortNames: ['pv'],
    status: true,
  },
  { plural: 'pods', kind: 'Pod', shortNames: ['po'], all: true, status: true },
  { plural: 'secrets', kind: 'Secret' },
  { plural: 'serviceaccounts', kind: 'ServiceAccount', shortNames: ['sa'] },
  { plural: 'services', kind: 'Service', shortNames: ['svc'], all: true, status: true },
]);
const pods = core.find((t) => t.plural === 'pods');
pods?.subresources.unshift({
  name: 'eviction',
  group: 'policy',
  version: 'v1',
  kind: 'Eviction',
  verbs: ['create'],
});

export const BUILTIN: ResourceType[] = [
  ...core,
  ...define('apps', 'v1', [
    { plural: 'controllerrevisions', kind: 'ControllerRevision' },
    { plural: 'daemonsets', kind: 'DaemonSet', shortNames: ['ds'], all: true, status: true },
    {
      plural: 'deployments',
      kind: 'Deployment',
      shortNames: ['deploy'],
      all: true,
      status: true,
      scale: true,
    },
    { plural: 'replicasets', kind: 'ReplicaSet', shortNames: ['rs'], all: true, status: true, scale: true },
    {
      plural: 'statefulsets',
      kind: 'StatefulSet',
      shortNames: ['sts'],
      all: true,
      status: true,
      scale: true,
    },
  ]),
  ...define('policy', 'v1', [
    { plural: 'poddisruptionbudgets', kind: 'PodDisruptionBudget', shortNames: ['pdb'], status: true },
  ]),
  ...define('apiextensions.k8s.io', 'v1', [
    {
      plural: 'customresourcedefinitions',
      kind: 'CustomResourceDefinition',
      namespaced: false,
      shortNames: ['crd', 'crds'],
      status: true,
    },
  ]),
  ...define('batch', 'v1', [
    { plural: 'cronjobs', kind: 'CronJob', shortNames: ['cj'], all: true, status: true },
    { plural: 'jobs', kind: 'Job', all: true, status: true },
  ]),
  ...define('coordination.k8s.io', 'v1', [{ plural: 'leases', kind: 'Lease' }]),
  ...define('discovery.k8s.io', 'v1', [{ plural: 'endpointslices', kind: 'EndpointSlice' }]),
  ...define('networking.k8s.io', 'v1', [
    { plural: 'ingresses', kind: 'Ingress', shortNames: ['ing'], status: true },
    { plural: 'networkpolicies', kind: 'NetworkPolicy', shortNames: ['netpol'] },
  ]),
  ...define('rbac.authorization.k8s.io', 'v1', [
    { plural: 'clusterrolebindings', kind: 'ClusterRoleBinding', namespaced: false },
    { plural: 'clusterroles', kind: 'ClusterRole', namespaced: false },
    { plural: 'rolebindings', kind: 'RoleBinding' },
    { plural: 'roles', kind: 'Role' },
  ]),
  ...define('scheduling.k8s.io', 'v1', [
    { plural: 'priorityclasses', kind: 'PriorityClass', namespaced: false, shortNames: ['pc'] },
  ]),
  ...define('storage.k8s.io', 'v1', [
    { plural: 'csidrivers', kind: 'CSIDriver', namespaced: false },
    { plural: 'storageclasses', kind: 'StorageClass', namespaced: false, shortNames: ['sc'] },
  ]),
];

/** The key objects of one resource are stored under, independent of the version they were written in. */
export function storageKey(type: Pick<ResourceType, 'group' | 'plural'>): string {
  return `${type.group}/${type.plural}`;
}

export function apiVersionOf(type: Pick<ResourceType, 'group' | 'version'>): string {
  return type.group === '' ? type.version : `${type.group}/${type.version}`;
}

/** The types a CRD object adds (one per served version), or none when it is malformed. */
export function typesOfCrd(crd: KubeObject): ResourceType[] {
  const spec = asObject(crd['spec']);
  const names = asObject(spec['names']);
  const group = asString(spec['group']);
  const plural = asString(names['plural']);
  const kind = asString(names['kind']);
  if (!group || !plural || !kind) return [];
  const hasStatus = (v: Record<string, unknown>) => asObject(v['subresources'])['status'] !== undefined;
  return asArray(spec['versions'])
    .map(asObject)
    .filter((v) => v['served'] !== false && typeof v['name'] === 'string')
    .map((v) => ({
      group,
      version: String(v['name']),
      plural,
      singular: asString(names['singular']) ?? kind.toLowerCase(),
      kind,
      namespaced: spec['scope'] !== 'Cluster',
      shortNames: asArray(names['shortNames']).filter((s): s is string => typeof s === 'string'),
      categories: asArray(names['categories']).filter((s): s is string => typeof s === 'string'),
      subresources: hasStatus(v) ? [status(group, String(v['name']), kind)] : [],
    }));
}

/** Built-ins plus CRD types, looked up by group/version/plural. */
export class ResourceCatalog {
  private types: ResourceType[] = [...BUILTIN];

  /** Rebuilds the CRD part from the CRD objects in the store (Established ones only). */
  refresh(crds: KubeObject[]): void {
    const builtinKeys = new Set(BUILTIN.map((t) => storageKey(t)));
    const custom = crds.flatMap(typesOfCrd).filter((t) => !builtinKeys.has(storageKey(t)));
    this.types = [...BUILTIN, ...custom];
  }

  all(): ResourceType[] {
    return this.types;
  }

  find(group: string, version: string, plural: string): ResourceType | undefined {
    return this.types.find((t) => t.group === group && t.version === version && t.plural === plural);
  }

  /** Every group with its versions, the first one preferred (core group first, as ""). */
  groups(): { group: string; versions: string[] }[] {
    const result: { group: string; versions: string[] }[] = [];
    for (const type of this.types) {
      let entry = result.find((g) => g.group === type.group);
      if (!entry) {
        entry = { group: type.group, versions: [] };
        result.push(entry);
      }
      if (!entry.versions.includes(type.version)) entry.versions.push(type.version);
    }
    return result;
  }

  inVersion(group: string, version: string): ResourceType[] {
    return this.types
      .filter((t) => t.group === group && t.version === version)
      .sort((a, b) => a.plural.localeCompare(b.plural));
  }
}

/** Built-in type by plural (controllers use these constants). */
export function builtin(plural: string): ResourceType {
  const type = BUILTIN.find((t) => t.plural === plural);
  if (!type) throw new Error(`no built-in resource ${plural}`);
  return type;
}

/**
 * The checks every rendered object must pass before it is planned: apiVersion and kind, a
 * metadata.name valid for its kind, a namespace exactly where the kind is namespaced, JSON only.
 * The kinds below are the built-in ones addons render; a kind outside the list is taken as
 * namespaced when the object names a namespace and cluster-scoped when it does not.
 */
import type { KubeObject } from '../addon/index.js';

const CLUSTER_SCOPED = new Set([
  'Namespace',
  'Node',
  'PersistentVolume',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'StorageClass',
  'CSIDriver',
  'PriorityClass',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'APIService',
  'IngressClass',
  'GatewayClass',
  'RuntimeClass',
  'VolumeSnapshotClass',
  'ClusterIssuer',
]);

const NAMESPACED = new Set([
  'ConfigMap',
  'Secret',
  'Service',
  'ServiceAccount',
  'Pod',
  'Deployment',
  'DaemonSet',
  'StatefulSet',
  'ReplicaSet',
  'Job',
  'CronJob',
  'Role',
  'RoleBinding',
  'PodDisruptionBudget',
  'NetworkPolicy',
  'Ingress',
  'PersistentVolumeClaim',
  'HelmChart',
  'HelmChartConfig',
  'Lease',
  'Issuer',
  'Certificate',
]);

/** `v1`, `apps/v1`, `helm.cattle.io/v1`, `cert-manager.io/v1alpha2`. */
const API_VERSION =
  /^(?:[a-z0-9]([-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?v\d+(?:(?:alpha|beta)\d+)?$/;
const KIND = /^[A-Z][A-Za-z0-9]{0,62}$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** Kinds whose names are DNS labels (63, no dots) rather than DNS subdomains (253). */
const LABEL_NAMED = new Set(['Namespace', 'Service']);

export function isNamespaced(kind: string, namespace: string | undefined): boolean {
  if (CLUSTER_SCOPED.has(kind)) return false;
  if (NAMESPACED.has(kind)) return true;
  return namespace !== undefined;
}

function nameProblem(kind: string, name: string): string | undefined {
  if (LABEL_NAMED.has(kind)) {
    return name.length <= 63 && DNS_LABEL.test(name)
      ? undefined
      : `${kind} name ${name} must be a DNS-1123 label`;
  }
  return name.length <= 253 && DNS_SUBDOMAIN.test(name)
    ? undefined
    : `name ${name} must be a DNS-1123 subdomain`;
}

function mapProblem(field: string, map: unknown, values: boolean): string | undefined {
  if (map === undefined) return undefined;
  if (typeof map !== 'object' || map === null || Array.isArray(map))
    return `${field} must be a map of strings`;
  for (const [key, value] of Object.entries(map)) {
    if (!QUALIFIED_NAME.test(key) || key.length > 317) return `${field} key ${key} is not a qualified name`;
    if (typeof value !== 'string') return `${field}.${key} must be a string`;
    if (values && (value.length > 63 || !LABEL_VALUE.test(value)))
      return `${field}.${key} value ${value} is not a label value`;
  }
  return undefined;
}

function jsonProblem(value: unknown, path: string): string | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${path} is not a finite number`;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const problem = jsonProblem(item, `${path}[${index}]`);
      if (problem) return problem;
    }
    return undefined;
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue;
      const problem = jsonProblem(item, `${path}.${key}`);
      if (problem) return problem;
    }
    return undefined;
  }
  return `${path} is not plain JSON (${typeof value})`;
}

/** Why the object cannot be applied, or undefined. */
export function objectProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'is not an object';
  const object = value as Partial<KubeObject>;
  if (typeof object.apiVersion !== 'string' || !API_VERSION.test(object.apiVersion)) {
    return `apiVersion ${JSON.stringify(object.apiVersion)} is not group/version`;
  }
  if (typeof object.kind !== 'string' || !KIND.test(object.kind))
    return `kind ${JSON.stringify(object.kind)} is not a kind`;
  const metadata = object.metadata;
  if (typeof metadata !== 'object' || metadata === null) return `${object.kind} has no metadata`;
  if (typeof metadata.name !== 'string') return `${object.kind} has no metadata.name`;
  const named = nameProblem(object.kind, metadata.name);
  if (named) return `${object.kind} ${named}`;
  const namespace = metadata.namespace;
  if (
    namespace !== undefined &&
    (typeof namespace !== 'string' || !DNS_LABEL.test(namespace) || namespace.length > 63)
  ) {
    return `${object.kind} ${metadata.name}: namespace ${JSON.stringify(namespace)} is not a DNS-1123 label`;
  }
  const namespaced = isNamespaced(object.kind, namespace);
  if (namespaced && namespace === undefined)
    return `${object.kind} ${metadata.name} is namespaced but names no namespace`;
  if (!namespaced && namespace !== undefined)
    return `${object.kind} ${metadata.name} is cluster-scoped but names namespace ${namespace}`;
  const labels = mapProblem('metadata.labels', metadata.labels, true);
  if (labels) return `${object.kind} ${metadata.name}: ${labels}`;
  const annotations = mapProblem('metadata.annotations', metadata.annotations, false);
  if (annotations) return `${object.kind} ${metadata.name}: ${annotations}`;
  for (const field of ['uid', 'resourceVersion', 'managedFields', 'creationTimestamp']) {
    if (field in metadata)
      return `${object.kind} ${metadata.name}: metadata.${field} is set by the API server`;
  }
  if ('status' in object) return `${object.kind} ${metadata.name}: status is not applied`;
  return jsonProblem(object, `${object.kind} ${metadata.name}`);
}

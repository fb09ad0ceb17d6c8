/**
 * Server-side printing (meta.k8s.io/v1 Table) as `kubectl get` asks for it: the upstream printers'
 * columns for the common kinds, NAME/AGE for everything else; cells pre-rendered as kubectl shows them.
 */
import type { ResourceType } from './resources.js';
import { asArray, asObject, type JsonObject, type KubeObject } from './types.js';

interface Column {
  name: string;
  type: 'string' | 'integer' | 'date';
  format?: 'name';
  priority?: 1;
  description?: string;
}

type Cell = string | number;

interface Printer {
  columns: Column[];
  cells(obj: KubeObject, now: number): Cell[];
}

export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < -1) return '<invalid>';
  if (s < 0) return '0s';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 24 * 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  const y = Math.floor(d / 365);
  if (d < 365 * 8) return d % 365 === 0 ? `${y}y` : `${y}y${d % 365}d`;
  return `${y}y`;
}

const age = (obj: KubeObject, now: number) => humanDuration(now - Date.parse(obj.metadata.creationTimestamp));
const NAME: Column = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace.',
};
const AGE: Column = {
  name: 'Age',
  type: 'string',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
};
const str = (v: unknown, fallback = '<none>') =>
  typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : fallback;
const num = (v: unknown) => (typeof v === 'number' ? v : 0);
const spec = (obj: KubeObject) => asObject(obj['spec']);
const status = (obj: KubeObject) => asObject(obj['status']);

function containers(obj: KubeObject, path: 'pod' | 'template'): JsonObject[] {
  const podSpec = path === 'pod' ? spec(obj) : asObject(asObject(spec(obj)['template'])['spec']);
  return asArray(podSpec['containers']).map(asObject);
}

function selectorText(selector: unknown): string {
  const s = asObject(selector);
  const parts = Object.entries(asObject(s['matchLabels'])).map(([k, v]) => `${k}=${String(v)}`);
  for (const e of asArray(s['matchExpressions']).map(asObject)) {
    const values = asArray(e['values']).map(String).join(',');
    const op = String(e['operator']);
    const key = String(e['key']);
    parts.push(
      op === 'Exists'
        ? key
        : op === 'DoesNotExist'
          ? `!${key}`
          : `${key} ${op === 'In' ? 'in' : 'notin'} (${values})`,
    );
  }
  return parts.length === 0 ? '<none>' : parts.join(',');
}

const WIDE_TEMPLATE: Column[] = [
  { name: 'Containers', type: 'string', priority: 1 },
  { name: 'Images', type: 'string', priority: 1 },
  { name: 'Selector', type: 'string', priority: 1 },
];

function wideTemplate(obj: KubeObject): Cell[] {
  const cs = containers(obj, 'template');
  return [
    cs.map((c) => str(c['name'], '')).join(',') || '<none>',
    cs.map((c) => str(c['image'], '')).join(',') || '<none>',
    selectorText(spec(obj)['selector']),
  ];
}

export function nodeStatusText(node: KubeObject): string {
  const ready = asArray(status(node)['conditions'])
    .map(asObject)
    .find((c) => c['type'] === 'Ready');
  const text =
    ready?.['status'] === 'True' ? 'Ready' : ready?.['status'] === 'False' ? 'NotReady' : 'Unknown';
  return spec(node)['unschedulable'] === true ? `${text},SchedulingDisabled` : text;
}

function nodeRoles(node: KubeObject): string {
  const roles = Object.keys(node.metadata.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length))
    .filter((r) => r !== '');
  return roles.length === 0 ? '<none>' : roles.sort().join(',');
}

function address(node: KubeObject, type: string): string {
  const a = asArray(status(node)['addresses'])
    .map(asObject)
    .find((x) => x['type'] === type);
  return str(a?.['address']);
}

function podStatusText(pod: KubeObject): string {
  if (pod.metadata.deletionTimestamp) return 'Terminating';
  const s = status(pod);
  const waiting = asArray(s['containerStatuses'])
    .map((c) => asObject(asObject(asObject(c)['state'])['waiting'])['reason'])
    .find((r) => typeof r === 'string');
  if (typeof waiting === 'string') return waiting;
  return str(s['reason'], str(s['phase'], 'Unknown'));
}

const PRINTERS: Record<string, Printer> = {
  '/nodes': {
    columns: [
      NAME,
      { name: 'Status', type: 'string', description: 'The status of the node' },
      { name: 'Roles', type: 'string', description: 'The roles of the node' },
      AGE,
      { name: 'Version', type: 'string', description: 'Kubelet Version reported by the node.' },
      { name: 'Internal-IP', type: 'string', priority: 1 },
      { name: 'External-IP', type: 'string', priority: 1 },
      { name: 'OS-Image', type: 'string', priority: 1 },
      { name: 'Kernel-Version', type: 'string', priority: 1 },
      { name: 'Container-Runtime', type: 'string', priority: 1 },
    ],
    cells: (n, now) => {
      const info = asObject(status(n)['nodeInfo']);
      return [
        n.metadata.name,
        nodeStatusText(n),
        nodeRoles(n),
        age(n, now),
        str(info['kubeletVersion'], ''),
        address(n, 'InternalIP'),
        address(n, 'ExternalIP'),
        str(info['osImage'], '<unknown>'),
        str(info['kernelVersion'], '<unknown>'),
        str(info['containerRuntimeVersion'], '<unknown>'),
      ];
    },
  },
  '/pods': {
    columns: [
      NAME,
      {
        name: 'Ready',
        type: 'string',
        description: 'The aggregate readiness state of this pod for accepting traffic.',
      },
      { name: 'Status', type: 'string', description: 'The aggregate status of the containers in this pod.' },
      {
        name: 'Restarts',
        type: 'string',
        description: 'The number of times the containers in this pod have been restarted.',
      },
      AGE,
      { name: 'IP', type: 'string', priority: 1 },
      { name: 'Node', type: 'string', priority: 1 },
      { name: 'Nominated Node', type: 'string', priority: 1 },
      { name: 'Readiness Gates', type: 'string', priority: 1 },
    ],
    cells: (p, now) => {
      const statuses = asArray(status(p)['containerStatuses']).map(asObject);
      const total = containers(p, 'pod').length;
      const ready = statuses.filter((c) => c['ready'] === true).length;
      const restarts = statuses.reduce((sum, c) => sum + num(c['restartCount']), 0);
      return [
        p.metadata.name,
        `${ready}/${total}`,
        podStatusText(p),
        String(restarts),
        age(p, now),
        str(status(p)['podIP']),
        str(spec(p)['nodeName']),
        '<none>',
        '<none>',
      ];
    },
  },
  'apps/deployments': {
    columns: [
      NAME,
      { name: 'Ready', type: 'string' },
      { name: 'Up-to-date', type: 'integer' },
      { name: 'Available', type: 'integer' },
      AGE,
      ...WIDE_TEMPLATE,
    ],
    cells: (d, now) => [
      d.metadata.name,
      `${num(status(d)['readyReplicas'])}/${num(spec(d)['replicas'])}`,
      num(status(d)['updatedReplicas']),
      num(status(d)['availableReplicas']),
      age(d, now),
      ...wideTemplate(d),
    ],
  },
  'apps/replicasets': {
    columns: [
      NAME,
      { name: 'Desired', type: 'integer' },
      { name: 'Current', type: 'integer' },
      { name: 'Ready', type: 'integer' },
      AGE,
      ...WIDE_TEMPLATE,
    ],
    cells: (r, now) => [
      r.metadata.name,
      num(spec(r)['replicas']),
      num(status(r)['replicas']),
      num(status(r)['readyReplicas']),
      age(r, now),
      ...wideTemplate(r),
    ],
  },
  'apps/daemonsets': {
    columns: [
      NAME,
      { name: 'Desired', type: 'integer' },
      { name: 'Current', type: 'integer' },
      { name: 'Ready', type: 'integer' },
      { name: 'Up-to-date', type: 'integer' },
      { name: 'Available', type: 'integer' },
      { name: 'Node Selector', type: 'string' },
      AGE,
      ...WIDE_TEMPLATE,
    ],
    cells: (d, now) => {
      const s = status(d);
      const nodeSelector = asObject(asObject(asObject(spec(d)['template'])['spec'])['nodeSelector']);
      const selector = Object.entries(nodeSelector)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(',');
      return [
        d.metadata.name,
        num(s['desiredNumberScheduled']),
        num(s['currentNumberScheduled']),
        num(s['numberReady']),
        num(s['updatedNumberScheduled']),
        num(s['numberAvailable']),
        selector || '<none>',
        age(d, now),
        ...wideTemplate(d),
      ];
    },
  },
  'policy/poddisruptionbudgets': {
    columns: [
      NAME,
      { name: 'Min Available', type: 'string' },
      { name: 'Max Unavailable', type: 'string' },
      { name: 'Allowed Disruptions', type: 'integer' },
      AGE,
    ],
    cells: (p, now) => [
      p.metadata.name,
      str(spec(p)['minAvailable'], 'N/A'),
      str(spec(p)['maxUnavailable'], 'N/A'),
      num(status(p)['disruptionsAllowed']),
      age(p, now),
    ],
  },
  '/namespaces': {
    columns: [NAME, { name: 'Status', type: 'string' }, AGE],
    cells: (n, now) => [n.metadata.name, str(status(n)['phase'], 'Active'), age(n, now)],
  },
  '/services': {
    columns: [
      NAME,
      { name: 'Type', type: 'string' },
      { name: 'Cluster-IP', type: 'string' },
      { name: 'External-IP', type: 'string' },
      { name: 'Port(s)', type: 'string' },
      AGE,
      { name: 'Selector', type: 'string', priority: 1 },
    ],
    cells: (s, now) => {
      const sp = spec(s);
      const ports = asArray(sp['ports'])
        .map(asObject)
        .map((p) => {
          const node = typeof p['nodePort'] === 'number' ? `:${p['nodePort']}` : '';
          return `${String(p['port'])}${node}/${str(p['protocol'], 'TCP')}`;
        });
      const ingress = asArray(asObject(status(s)['loadBalancer'])['ingress']).map((i) =>
        str(asObject(i)['ip'], ''),
      );
      const type = str(sp['type'], 'ClusterIP');
      const external =
        ingress.filter((i) => i !== '').join(',') || (type === 'LoadBalancer' ? '<pending>' : '<none>');
      const selector = Object.entries(asObject(sp['selector']))
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(',');
      return [
        s.metadata.name,
        type,
        str(sp['clusterIP']),
        external,
        ports.join(',') || '<none>',
        age(s, now),
        selector || '<none>',
      ];
    },
  },
  '/configmaps': {
    columns: [NAME, { name: 'Data', type: 'integer' }, AGE],
    cells: (c, now) => [
      c.metadata.name,
      Object.keys(asObject(c['data'])).length + Object.keys(asObject(c['binaryData'])).length,
      age(c, now),
    ],
  },
  'apiextensions.k8s.io/customresourcedefinitions': {
    columns: [NAME, { name: 'Created At', type: 'date' }],
    cells: (c) => [c.metadata.name, c.metadata.creationTimestamp],
  },
};

const GENERIC: Printer = { columns: [NAME, AGE], cells: (o, now) => [o.metadata.name, age(o, now)] };

export type IncludeObject = 'Metadata' | 'Object' | 'None';

export function renderTable(
  type: ResourceType,
  objects: KubeObject[],
  resourceVersion: string,
  include: IncludeObject,
  now: number,
): JsonObject {
  const printer = PRINTERS[`${type.group}/${type.plural}`] ?? GENERIC;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: printer.columns.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format ?? '',
      description: c.description ?? '',
      priority: c.priority ?? 0,
    })),
    rows: objects.map((obj) => ({
      cells: printer.cells(obj, now),
      ...(include === 'None' ? {} : { object: rowObject(obj, include) }),
    })),
  };
}

function rowObject(obj: KubeObject, include: IncludeObject): JsonObject {
  if (include === 'Object') return obj;
  const { managedFields: _managed, ...metadata } = obj.metadata;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata };
}

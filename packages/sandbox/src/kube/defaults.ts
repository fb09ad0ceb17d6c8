/**
 * What the API server fills in and checks for the built-in kinds the simulation gives behaviour to
 * (pods, workloads, services, namespaces, PDBs, CRDs). Other kinds are stored as sent.
 */
import { invalid, type StatusCause } from './errors.js';
import { storageKey, type ResourceType } from './resources.js';
import { selectorMatches } from './selectors.js';
import { asArray, asObject, isObject, type JsonObject, type KubeObject } from './types.js';

const NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function ensure(obj: JsonObject, key: string): JsonObject {
  const value = obj[key];
  if (isObject(value)) return value;
  const fresh: JsonObject = {};
  obj[key] = fresh;
  return fresh;
}

function podSpecDefaults(spec: JsonObject): void {
  spec['restartPolicy'] ??= 'Always';
  spec['terminationGracePeriodSeconds'] ??= 30;
  spec['dnsPolicy'] ??= 'ClusterFirst';
  spec['schedulerName'] ??= 'default-scheduler';
  spec['securityContext'] ??= {};
  for (const c of [...asArray(spec['containers']), ...asArray(spec['initContainers'])].map(asObject)) {
    c['imagePullPolicy'] ??= String(c['image'] ?? '').endsWith(':latest') ? 'Always' : 'IfNotPresent';
    c['terminationMessagePath'] ??= '/dev/termination-log';
    c['terminationMessagePolicy'] ??= 'File';
    c['resources'] ??= {};
    for (const p of asArray(c['ports']).map(asObject)) p['protocol'] ??= 'TCP';
  }
}

function templateDefaults(obj: JsonObject): void {
  const spec = ensure(obj, 'spec');
  const template = ensure(spec, 'template');
  podSpecDefaults(ensure(template, 'spec'));
}

let serviceIp = 10;

/** Fills in defaults on create (and, where noted, on update). */
export function applyDefaults(type: ResourceType, obj: KubeObject, creating: boolean): void {
  switch (storageKey(type)) {
    case '/pods': {
      podSpecDefaults(ensure(obj, 'spec'));
      if (creating) obj['status'] = { phase: 'Pending', qosClass: 'BestEffort' };
      return;
    }
    case 'apps/deployments': {
      templateDefaults(obj);
      const spec = ensure(obj, 'spec');
      spec['replicas'] ??= 1;
      spec['revisionHistoryLimit'] ??= 10;
      spec['progressDeadlineSeconds'] ??= 600;
      spec['strategy'] ??= {
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
      };
      return;
    }
    case 'apps/replicasets':
    case 'apps/statefulsets':
      templateDefaults(obj);
      ensure(obj, 'spec')['replicas'] ??= 1;
      return;
    case 'apps/daemonsets': {
      templateDefaults(obj);
      const spec = ensure(obj, 'spec');
      spec['revisionHistoryLimit'] ??= 10;
      spec['updateStrategy'] ??= { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } };
      return;
    }
    case '/secrets': {
      // stringData is write-only: the API server merges it into data, base64-encoded.
      const text = obj['stringData'];
      if (typeof text === 'object' && text !== null && !Array.isArray(text)) {
        const data = ensure(obj, 'data');
        for (const [key, value] of Object.entries(text))
          data[key] = Buffer.from(String(value)).toString('base64');
        delete obj['stringData'];
      }
      return;
    }
    case '/namespaces':
      if (creating) {
        ensure(obj, 'spec')['finalizers'] = ['kubernetes'];
        obj['status'] = { phase: 'Active' };
      }
      obj.metadata.labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': obj.metadata.name };
      return;
    case '/services': {
      const spec = ensure(obj, 'spec');
      spec['type'] ??= 'ClusterIP';
      spec['sessionAffinity'] ??= 'None';
      if (creating && spec['clusterIP'] === undefined) {
        serviceIp = (serviceIp % 65000) + 1;
        const ip = `10.96.${Math.floor(serviceIp / 250)}.${(serviceIp % 250) + 2}`;
        spec['clusterIP'] = ip;
        spec['clusterIPs'] = [ip];
      }
      for (const p of asArray(spec['ports']).map(asObject)) {
        p['protocol'] ??= 'TCP';
        p['targetPort'] ??= p['port'];
      }
      if (creating) obj['status'] = { loadBalancer: {} };
      return;
    }
    case 'apiextensions.k8s.io/customresourcedefinitions': {
      const names = asObject(asObject(obj['spec'])['names']);
      obj['status'] = {
        acceptedNames: names,
        storedVersions: asArray(asObject(obj['spec'])['versions'])
          .map(asObject)
          .filter((v) => v['storage'] === true)
          .map((v) => v['name']),
        conditions: [
          { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' },
          {
            type: 'Established',
            status: 'True',
            reason: 'InitialNamesAccepted',
            message: 'the initial names have been accepted',
          },
        ],
      };
      return;
    }
    default:
      return;
  }
}

/** Throws a 422 Invalid for what the real API server would refuse in the cases the simulation models. */
export function validate(type: ResourceType, obj: KubeObject): void {
  const causes: StatusCause[] = [];
  const name = obj.metadata.name;
  const nameOk = type.plural === 'namespaces' ? LABEL_RE.test(name) : NAME_RE.test(name);
  if (!nameOk || name.length > 253) {
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'metadata.name',
      message: `Invalid value: "${name}": a lowercase RFC 1123 ${type.plural === 'namespaces' ? 'label' : 'subdomain'} must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
    });
  }
  const spec = asObject(obj['spec']);
  switch (storageKey(type)) {
    case '/pods':
      if (asArray(spec['containers']).length === 0) {
        causes.push({ reason: 'FieldValueRequired', field: 'spec.containers', message: 'Required value' });
      }
      break;
    case 'apps/deployments':
    case 'apps/replicasets':
    case 'apps/daemonsets':
    case 'apps/statefulsets': {
      const labels = asObject(asObject(asObject(spec['template'])['metadata'])['labels']) as Record<
        string,
        string
      >;
      if (spec['selector'] === undefined) {
        causes.push({ reason: 'FieldValueRequired', field: 'spec.selector', message: 'Required value' });
      } else if (!selectorMatches(spec['selector'], labels)) {
        causes.push({
          reason: 'FieldValueInvalid',
          field: 'spec.template.metadata.labels',
          message: 'Invalid value: `selector` does not match template `labels`',
        });
      }
      break;
    }
    case 'policy/poddisruptionbudgets':
      if (spec['minAvailable'] !== undefined && spec['maxUnavailable'] !== undefined) {
        causes.push({
          reason: 'FieldValueInvalid',
          field: 'spec',
          message: 'Invalid value: minAvailable and maxUnavailable cannot be both set',
        });
      }
      break;
    default:
      break;
  }
  if (causes.length > 0) throw invalid(type, name, causes);
}

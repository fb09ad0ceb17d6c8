/**
 * When an addon is Ready, from the objects it renders: every Helm release's install Job (and the
 * installer Job of a before-Ready release) complete, Deployments and DaemonSets available, CRDs
 * established. Pure: the checks are planned data; src/execute/addons evaluates them.
 */
import type { KubeObject } from '../addon/index.js';
import { installJobName } from '../addon/kit.js';

export type ReadinessCheck =
  | { kind: 'job'; namespace: string; name: string; release?: string }
  | { kind: 'workload'; workload: 'Deployment' | 'DaemonSet'; namespace: string; name: string }
  | { kind: 'crd'; name: string };

export function readinessChecks(objects: readonly KubeObject[]): ReadinessCheck[] {
  const checks: ReadinessCheck[] = [];
  for (const object of objects) {
    const namespace = object.metadata.namespace ?? 'default';
    switch (object.kind) {
      case 'HelmChart':
        checks.push({
          kind: 'job',
          namespace,
          name: installJobName(object.metadata.name),
          release: object.metadata.name,
        });
        break;
      case 'Job':
        checks.push({ kind: 'job', namespace, name: object.metadata.name });
        break;
      case 'Deployment':
      case 'DaemonSet':
        checks.push({ kind: 'workload', workload: object.kind, namespace, name: object.metadata.name });
        break;
      case 'CustomResourceDefinition':
        checks.push({ kind: 'crd', name: object.metadata.name });
        break;
      default:
        break;
    }
  }
  return checks;
}

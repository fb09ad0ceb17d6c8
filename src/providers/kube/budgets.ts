/** Which PodDisruptionBudgets select a pod, by the policy/v1 rules. */
import type { LabelSelector, Labels, PdbObject, PodObject } from './api.js';
import type { PdbSummary } from './types.js';

/**
 * policy/v1 semantics: an empty selector matches every pod of the namespace, a missing one matches
 * none, and an unknown operator makes the selector unparsable, which matches none.
 */
export function selectorMatches(selector: LabelSelector | undefined, labels: Labels): boolean {
  if (selector === undefined) return false;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const requirement of selector.matchExpressions ?? []) {
    const present = Object.hasOwn(labels, requirement.key);
    const value = labels[requirement.key];
    const values = requirement.values ?? [];
    switch (requirement.operator) {
      case 'In':
        if (!present || value === undefined || !values.includes(value)) return false;
        break;
      case 'NotIn':
        if (present && value !== undefined && values.includes(value)) return false;
        break;
      case 'Exists':
        if (!present) return false;
        break;
      case 'DoesNotExist':
        if (present) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

export function budgetsSelecting(pod: PodObject, budgets: PdbObject[]): PdbObject[] {
  const labels = pod.metadata.labels ?? {};
  return budgets.filter(
    (pdb) => pdb.metadata.namespace === pod.metadata.namespace && selectorMatches(pdb.spec?.selector, labels),
  );
}

export function summarizeBudget(pdb: PdbObject): PdbSummary {
  const summary: PdbSummary = { namespace: pdb.metadata.namespace, name: pdb.metadata.name };
  if (pdb.spec?.minAvailable !== undefined) summary.minAvailable = pdb.spec.minAvailable;
  if (pdb.spec?.maxUnavailable !== undefined) summary.maxUnavailable = pdb.spec.maxUnavailable;
  const status = pdb.status ?? {};
  if (status.currentHealthy !== undefined) summary.currentHealthy = status.currentHealthy;
  if (status.desiredHealthy !== undefined) summary.desiredHealthy = status.desiredHealthy;
  if (status.expectedPods !== undefined) summary.expectedPods = status.expectedPods;
  if (status.disruptionsAllowed !== undefined) summary.disruptionsAllowed = status.disruptionsAllowed;
  return summary;
}

/** Label selectors (string grammar and LabelSelector objects) and the field selectors the API supports. */
import { badRequest } from './errors.js';
import { asArray, asObject, asString, type KubeObject } from './types.js';

export type Requirement =
  | { op: 'eq' | 'neq'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | 'absent'; key: string };

function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else current += ch;
  }
  terms.push(current);
  return terms.map((t) => t.trim()).filter((t) => t !== '');
}

/** `a=b,c!=d,e in (f,g),h notin (i),j,!k`. Throws a 400 on syntax errors. */
export function parseLabelSelector(text: string): Requirement[] {
  return splitTerms(text).map((term) => {
    const set = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term);
    if (set) {
      const values = (set[3] ?? '')
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
      return { op: set[2] === 'in' ? 'in' : 'notin', key: set[1] ?? '', values };
    }
    const cmp = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
    if (cmp) return { op: cmp[2] === '!=' ? 'neq' : 'eq', key: cmp[1] ?? '', value: cmp[3] ?? '' };
    if (/^![^=!\s(),]+$/.test(term)) return { op: 'absent', key: term.slice(1) };
    if (/^[^=!\s(),]+$/.test(term)) return { op: 'exists', key: term };
    throw badRequest(`unable to parse requirement: found '${term}', expected: valid label selector`);
  });
}

export function matchesRequirements(
  labels: Record<string, string> | undefined,
  reqs: Requirement[],
): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.hasOwn(l, r.key);
    const value = l[r.key];
    switch (r.op) {
      case 'eq':
        return has && value === r.value;
      case 'neq':
        return !has || value !== r.value;
      case 'in':
        return has && r.values.includes(value ?? '');
      case 'notin':
        return !has || !r.values.includes(value ?? '');
      case 'exists':
        return has;
      case 'absent':
        return !has;
    }
  });
}

/**
 * A metav1.LabelSelector object → requirements; undefined when it is missing or malformed (which
 * selects nothing). An empty selector `{}` selects everything.
 */
export function selectorObjectRequirements(selector: unknown): Requirement[] | undefined {
  if (selector === undefined || selector === null) return undefined;
  const s = asObject(selector);
  const reqs: Requirement[] = [];
  for (const [key, value] of Object.entries(asObject(s['matchLabels']))) {
    if (typeof value !== 'string') return undefined;
    reqs.push({ op: 'eq', key, value });
  }
  for (const raw of asArray(s['matchExpressions'])) {
    const e = asObject(raw);
    const key = asString(e['key']);
    const values = asArray(e['values']).filter((v): v is string => typeof v === 'string');
    if (!key) return undefined;
    switch (e['operator']) {
      case 'In':
        reqs.push({ op: 'in', key, values });
        break;
      case 'NotIn':
        reqs.push({ op: 'notin', key, values });
        break;
      case 'Exists':
        reqs.push({ op: 'exists', key });
        break;
      case 'DoesNotExist':
        reqs.push({ op: 'absent', key });
        break;
      default:
        return undefined;
    }
  }
  return reqs;
}

export function selectorMatches(selector: unknown, labels: Record<string, string> | undefined): boolean {
  const reqs = selectorObjectRequirements(selector);
  return reqs !== undefined && matchesRequirements(labels, reqs);
}

export interface FieldRequirement {
  field: string;
  value: string;
  negate: boolean;
}

const COMMON_FIELDS = ['metadata.name', 'metadata.namespace'];
const EXTRA_FIELDS: Record<string, string[]> = {
  pods: [
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
  ],
  nodes: ['spec.unschedulable'],
  events: ['involvedObject.kind', 'involvedObject.name', 'involvedObject.namespace', 'reason', 'type'],
};

export function parseFieldSelector(text: string, plural: string): FieldRequirement[] {
  const allowed = [...COMMON_FIELDS, ...(EXTRA_FIELDS[plural] ?? [])];
  return splitTerms(text).map((term) => {
    const m = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${term}'`);
    const field = m[1] ?? '';
    if (!allowed.includes(field)) throw badRequest(`field label not supported: ${field}`);
    return { field, value: (m[3] ?? '').trim(), negate: m[2] === '!=' };
  });
}

function fieldValue(obj: KubeObject, path: string): string {
  let current: unknown = obj;
  for (const part of path.split('.')) current = asObject(current)[part];
  if (current === undefined || current === null)
    return path === 'spec.unschedulable' || path === 'spec.hostNetwork' ? 'false' : '';
  return String(current);
}

export function matchesFields(obj: KubeObject, reqs: FieldRequirement[]): boolean {
  return reqs.every((r) => (fieldValue(obj, r.field) === r.value) !== r.negate);
}

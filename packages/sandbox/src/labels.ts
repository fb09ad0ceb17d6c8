/** Label validation and Hetzner's label-selector grammar (Kubernetes-like, comma = AND). */
import { invalidField } from './api-error.js';
import type { Labels } from './types.js';

export type SelectorTerm =
  | { op: 'eq'; key: string; value: string }
  | { op: 'neq'; key: string; value: string }
  | { op: 'exists'; key: string }
  | { op: 'absent'; key: string }
  | { op: 'in'; key: string; values: string[] }
  | { op: 'notin'; key: string; values: string[] };

const NAME = /^[a-zA-Z0-9]([a-zA-Z0-9._-]{0,61}[a-zA-Z0-9])?$/;
const VALUE = /^([a-zA-Z0-9]([a-zA-Z0-9._-]{0,61}[a-zA-Z0-9])?)?$/;
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function isValidLabelKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (!NAME.test(name)) return false;
  if (slash < 0) return true;
  const prefix = key.slice(0, slash);
  return prefix.length > 0 && prefix.length <= 253 && prefix.split('.').every((part) => DNS_LABEL.test(part));
}

export function isValidLabelValue(value: string): boolean {
  return VALUE.test(value);
}

/** Throws invalid_input for a label map Hetzner would refuse. */
export function validateLabels(labels: Labels | undefined, field = 'labels'): Labels {
  if (labels === undefined) return {};
  for (const [key, value] of Object.entries(labels)) {
    if (!isValidLabelKey(key)) throw invalidField(field, `label key '${key}' is invalid`);
    if (key.startsWith('hetzner.cloud/'))
      throw invalidField(field, `label key prefix 'hetzner.cloud/' is reserved`);
    if (typeof value !== 'string' || !isValidLabelValue(value)) {
      throw invalidField(field, `label value for '${key}' is invalid`);
    }
  }
  return { ...labels };
}

/** Splits on commas that are not inside parentheses. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  terms.push(current);
  return terms.map((t) => t.trim());
}

function parseSet(raw: string): string[] | null {
  const m = /^\((.*)\)$/.exec(raw.trim());
  if (!m || m[1] === undefined) return null;
  const values = m[1].split(',').map((v) => v.trim());
  return values.every((v) => isValidLabelValue(v)) ? values : null;
}

function parseTerm(term: string): SelectorTerm | null {
  if (term.startsWith('!')) {
    const key = term.slice(1).trim();
    return isValidLabelKey(key) ? { op: 'absent', key } : null;
  }
  const setMatch = /^(\S+)\s+(in|notin)\s*(\(.*\))$/.exec(term);
  if (setMatch) {
    const [, key = '', op, set = ''] = setMatch;
    const values = parseSet(set);
    if (!isValidLabelKey(key) || !values) return null;
    return op === 'in' ? { op: 'in', key, values } : { op: 'notin', key, values };
  }
  const cmp = /^([^=!\s]+)\s*(==|!=|=)\s*(.*)$/.exec(term);
  if (cmp) {
    const [, key = '', op, value = ''] = cmp;
    if (!isValidLabelKey(key) || !isValidLabelValue(value.trim())) return null;
    return op === '!=' ? { op: 'neq', key, value: value.trim() } : { op: 'eq', key, value: value.trim() };
  }
  return isValidLabelKey(term) ? { op: 'exists', key: term } : null;
}

/** Parses a selector; throws invalid_input naming `label_selector` when it is malformed. */
export function parseSelector(selector: string, field = 'label_selector'): SelectorTerm[] {
  if (selector.trim() === '') return [];
  return splitTerms(selector).map((term) => {
    const parsed = parseTerm(term);
    if (!parsed) throw invalidField(field, `invalid label selector term '${term}'`);
    return parsed;
  });
}

export function matchesTerm(labels: Labels, term: SelectorTerm): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, term.key);
  const value = labels[term.key];
  switch (term.op) {
    case 'eq':
      return has && value === term.value;
    case 'neq':
      return !has || value !== term.value;
    case 'exists':
      return has;
    case 'absent':
      return !has;
    case 'in':
      return has && term.values.includes(value ?? '');
    case 'notin':
      return !has || !term.values.includes(value ?? '');
  }
}

export function matchesSelector(labels: Labels, terms: SelectorTerm[]): boolean {
  return terms.every((term) => matchesTerm(labels, term));
}

/** Convenience for stored selectors (firewall apply_to, load-balancer targets) already validated. */
export function selectorMatches(labels: Labels, selector: string): boolean {
  try {
    return matchesSelector(labels, parseSelector(selector));
  } catch {
    return false;
  }
}

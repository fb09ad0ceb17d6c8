/**
 * The shape of a plan read back from a file: every field apply uses, checked before any is used,
 * so that a `null` or a wrong type is a named field of a damaged plan file, not a TypeError.
 */
import { ACTION_KINDS } from './types.js';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

const wrong = (field: string, expected: string, value: unknown): string =>
  `${field} must be ${expected}, not ${describe(value)}`;

function stringList(value: unknown, field: string): string | undefined {
  if (!Array.isArray(value)) return wrong(field, 'a list of strings', value);
  const index = value.findIndex((item) => typeof item !== 'string');
  return index < 0 ? undefined : wrong(`${field}[${index}]`, 'a string', value[index]);
}

function actionProblem(action: unknown, field: string): string | undefined {
  if (!isObject(action)) return wrong(field, 'an object', action);
  for (const key of ['id', 'address', 'reason'] as const) {
    if (typeof action[key] !== 'string') return wrong(`${field}.${key}`, 'a string', action[key]);
  }
  if (!(ACTION_KINDS as readonly unknown[]).includes(action.kind)) {
    return `${field}.kind must be one of ${ACTION_KINDS.join(', ')}`;
  }
  return stringList(action.dependsOn, `${field}.dependsOn`);
}

function graphProblem(graph: unknown): string | undefined {
  if (!isObject(graph)) return wrong('graph', 'an object', graph);
  if (!Array.isArray(graph.actions)) return wrong('graph.actions', 'a list', graph.actions);
  for (let i = 0; i < graph.actions.length; i++) {
    const problem = actionProblem(graph.actions[i], `graph.actions[${i}]`);
    if (problem) return problem;
  }
  if (!isObject(graph.groups)) return wrong('graph.groups', 'an object', graph.groups);
  for (const [name, group] of Object.entries(graph.groups)) {
    if (!isObject(group) || !Number.isSafeInteger(group.limit)) {
      return wrong(`graph.groups.${name}`, 'an object with a whole-number limit', group);
    }
  }
  return undefined;
}

/** `target` is optional; when there, an endpoint and a project. */
function targetProblem(target: unknown): string | undefined {
  if (target === undefined) return undefined;
  if (!isObject(target)) return wrong('target', 'an object', target);
  for (const key of ['endpoint', 'project'] as const) {
    if (typeof target[key] !== 'string') return wrong(`target.${key}`, 'a string', target[key]);
  }
  return undefined;
}

/** The first field of `plan` that is not what a plan file holds, or undefined. */
export function planShapeProblem(plan: Record<string, unknown>): string | undefined {
  for (const key of ['cluster', 'inputsHash', 'specHash'] as const) {
    if (typeof plan[key] !== 'string') return wrong(key, 'a string', plan[key]);
  }
  if (plan.command !== 'apply' && plan.command !== 'destroy') return 'command must be apply or destroy';
  const head = plan.stateHead;
  if (!isObject(head)) return wrong('stateHead', 'an object', head);
  if (!Number.isSafeInteger(head.seq)) return wrong('stateHead.seq', 'a whole number', head.seq);
  if (head.hash !== null && typeof head.hash !== 'string')
    return wrong('stateHead.hash', 'a string or null', head.hash);
  const lists = stringList(plan.targets, 'targets') ?? stringList(plan.replace, 'replace');
  if (lists) return lists;
  if (!isObject(plan.summary)) return wrong('summary', 'an object', plan.summary);
  return targetProblem(plan.target) ?? graphProblem(plan.graph);
}

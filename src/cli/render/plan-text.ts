/**
 * The human-readable plan: one block per action with its symbol, address and reason, and the
 * field-level changes underneath, then a summary line.
 */
import type { Operation } from 'fast-json-patch';
import { assertNever } from '../../errors.js';
import type { Plan } from '../../plan/plan.js';
import type { Action, ActionCounts, ActionKind, Json, UpgradeKubernetesAction } from '../../plan/types.js';
import { style } from './style.js';

const SYMBOLS: Record<ActionKind, string> = {
  create: '+',
  update: '~',
  replace: '-/+',
  delete: '-',
  drain: '⇄',
  'leave-etcd': '⊖',
  'apply-config': '≈',
  bootstrap: '★',
  upgrade: '↑',
  wait: '…',
  'upgrade-kubernetes': '↑',
};

function paint(kind: ActionKind): (text: string) => string {
  switch (kind) {
    case 'create':
      return style.green;
    case 'update':
    case 'apply-config':
    case 'upgrade-kubernetes':
      return style.yellow;
    case 'replace':
    case 'drain':
    case 'leave-etcd':
    case 'upgrade':
      return style.magenta;
    case 'delete':
      return style.red;
    case 'bootstrap':
    case 'wait':
      return style.cyan;
    default:
      return assertNever(kind, 'action kind');
  }
}

export function formatValue(value: Json | undefined): string {
  if (value === undefined) return '(none)';
  if (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    typeof value.$ref === 'string'
  ) {
    return `(id of ${value.$ref})`;
  }
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null &&
    typeof v === 'object' &&
    !Array.isArray(v) &&
    typeof (v as { $ref?: unknown }).$ref === 'string'
      ? `(id of ${(v as { $ref: string }).$ref})`
      : v,
  );
}

function valueAt(root: Json, pointer: string): Json | undefined {
  let node: Json | undefined = root;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object') return undefined;
    node = Array.isArray(node) ? node[Number(key)] : node[key];
  }
  return node;
}

function patchLines(patch: readonly Operation[], before: Json, forcedBy: readonly string[] = []): string[] {
  return patch.map((op) => {
    const path = op.path.slice(1);
    const forces = forcedBy.includes(op.path) ? style.red('  # forces replacement') : '';
    // eslint-disable-next-line @typescript-eslint/switch-exhaustiveness-check -- JSON Patch ops beyond add/remove/replace are never planned; the default shows them raw
    switch (op.op) {
      case 'add':
        return `      ${style.green('+')} ${path}: ${formatValue(op.value as Json)}${forces}`;
      case 'remove':
        return `      ${style.red('-')} ${path}: ${formatValue(valueAt(before, op.path))}${forces}`;
      case 'replace':
        return `      ${style.yellow('~')} ${path}: ${formatValue(valueAt(before, op.path))} → ${formatValue(op.value as Json)}${forces}`;
      default:
        return `      ${op.op} ${path}`;
    }
  });
}

export function actionDetails(action: Action): string[] {
  switch (action.kind) {
    case 'create':
      return Object.entries(action.props).map(([k, v]) => `      ${k}: ${formatValue(v)}`);
    case 'update':
      return patchLines(action.patch, action.before);
    case 'replace':
      return patchLines(action.patch, action.before, action.forcedBy);
    case 'delete':
      return action.before.name !== undefined ? [`      name: ${formatValue(action.before.name)}`] : [];
    case 'leave-etcd':
      return [`      member: ${action.member}`];
    case 'apply-config':
      return [
        `      mode: ${action.mode === 'initial' ? 'initial config (maintenance mode)' : action.mode}`,
        ...action.changes.map(
          (c) => `      ${style.yellow('~')} ${c.path}: ${formatValue(c.before)} → ${formatValue(c.after)}`,
        ),
      ];
    case 'upgrade-kubernetes':
      return upgradeLines(action);
    case 'upgrade':
      return [`      ${action.from ?? 'unknown'} → ${action.to}`, `      installer: ${action.image}`];
    case 'drain':
    case 'bootstrap':
    case 'wait':
      return [];
    default:
      return assertNever(action, 'action');
  }
}

/** `node component from → to`, then what the step changes. */
function upgradeLines(action: UpgradeKubernetesAction): string[] {
  const step = `${action.from} → ${action.to}`;
  if (action.component === 'bootstrap-manifests') {
    return [
      `      bootstrap manifests ${step}`,
      ...action.manifests.map(
        (m) => `      ${style.yellow('~')} ${m.kind} ${m.namespace}/${m.name} ${m.container}: ${m.image}`,
      ),
    ];
  }
  return [`      ${action.node} ${action.component} ${step}`];
}

export function actionHeadline(action: Action): string {
  const color = paint(action.kind);
  return `  ${color(SYMBOLS[action.kind].padEnd(3))} ${style.bold(action.address)}  ${style.dim(`${action.kind}: ${action.reason}`)}`;
}

export function summaryLine(counts: ActionCounts): string {
  const parts: string[] = [];
  const say = (n: number, what: string) => n > 0 && parts.push(`${n} to ${what}`);
  say(counts.create, 'create');
  say(counts.update, 'update');
  say(counts.replace, 'replace');
  say(counts.delete, 'delete');
  say(counts.drain, 'drain');
  say(counts['leave-etcd'], 'leave etcd');
  say(counts['apply-config'], 'reconfigure');
  say(counts.bootstrap, 'bootstrap');
  say(counts.upgrade, 'upgrade');
  say(counts.wait, 'wait for');
  const steps = counts['upgrade-kubernetes'];
  if (steps > 0) parts.push(`${steps} Kubernetes upgrade step${steps === 1 ? '' : 's'}`);
  return parts.length === 0 ? 'No changes. The cluster matches the spec.' : `Plan: ${parts.join(', ')}.`;
}

export function renderPlanText(plan: Plan, options: { details?: boolean } = {}): string {
  if (plan.graph.actions.length === 0) return `${summaryLine(plan.summary)}\n`;
  const lines = [`hk8s will perform these actions on cluster ${style.bold(plan.cluster)}:`, ''];
  for (const action of plan.graph.actions) {
    lines.push(actionHeadline(action));
    if (options.details !== false) lines.push(...actionDetails(action));
  }
  lines.push('', style.bold(summaryLine(plan.summary)));
  return `${lines.join('\n')}\n`;
}

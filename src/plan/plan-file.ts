/**
 * Saved plans (`hk8s plan --out FILE`, `hk8s apply FILE`). A saved plan is only good for the
 * inputs it was made from; applying it after the spec, the state or the cloud changed is refused.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { Hk8sError } from '../errors.js';
import { PLAN_FORMAT_VERSION, type Plan } from './plan.js';

const KIND = 'hk8s.plan';

export function serializePlan(plan: Plan): string {
  return `${JSON.stringify({ kind: KIND, ...plan }, null, 2)}\n`;
}

export async function savePlanFile(path: string, plan: Plan): Promise<void> {
  await writeFile(path, serializePlan(plan), { mode: 0o600 });
}

export async function loadPlanFile(path: string): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Hk8sError('plan.file', 'cannot read the plan file', {
      where: path,
      hint: 'Pass a file written by `hk8s plan --out FILE`.',
      cause: error,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Hk8sError('plan.file', 'the plan file is not valid JSON', {
      where: path,
      hint: 'Write it again with `hk8s plan --out FILE`.',
      cause: error,
    });
  }
  const record = parsed as Partial<Plan> & { kind?: unknown };
  if (record.kind !== KIND || typeof record.inputsHash !== 'string' || !record.graph) {
    throw new Hk8sError('plan.file', 'this is not an hk8s plan file', {
      where: path,
      hint: 'Write one with `hk8s plan --out FILE`.',
    });
  }
  if (record.formatVersion !== PLAN_FORMAT_VERSION) {
    throw new Hk8sError('plan.file', `plan format ${String(record.formatVersion)} is not supported`, {
      where: path,
      hint: `This hk8s reads plan format ${PLAN_FORMAT_VERSION}; make the plan again with this version.`,
    });
  }
  const { kind: _kind, ...plan } = record;
  return plan as Plan;
}

/** Refuses a saved plan whose inputs no longer match what is true now. */
export function assertPlanFresh(saved: Plan, current: Plan, path: string): void {
  if (saved.cluster !== current.cluster) {
    throw new Hk8sError('plan.stale', `the plan is for cluster ${saved.cluster}, not ${current.cluster}`, {
      where: path,
      hint: 'Apply it with the spec it was made from, or make a new plan.',
    });
  }
  if (saved.inputsHash === current.inputsHash) return;
  const what =
    saved.specHash !== current.specHash
      ? 'the spec changed'
      : saved.stateHead.seq !== current.stateHead.seq || saved.stateHead.hash !== current.stateHead.hash
        ? `the state moved on (event ${saved.stateHead.seq} → ${current.stateHead.seq})`
        : 'the cloud changed';
  throw new Hk8sError('plan.stale', `the saved plan is stale: ${what} since it was made`, {
    where: path,
    hint: 'Run `hk8s plan --out FILE` again, review it, and apply the new file.',
  });
}

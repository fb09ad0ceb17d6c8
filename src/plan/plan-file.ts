/**
 * Saved plans (`hk8s plan --out FILE`, `hk8s apply FILE`). A saved plan is only good for the
 * inputs it was made from; applying it after the spec, the state or the cloud changed is refused.
 *
 * The file carries a digest of everything in it. An edit is reported as an edited plan file, and
 * apply runs only if the actions it would run now are exactly the saved ones: the actions are
 * bound to the file, so a file with its action list emptied cannot approve the real change.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { Hk8sError } from '../errors.js';
import { hashOf } from './hash.js';
import { planShapeProblem } from './plan-file-shape.js';
import { PLAN_FORMAT_VERSION, type Plan } from './plan.js';

const KIND = 'hk8s.plan';
const REMAKE = 'Make it again with `hk8s plan --out FILE`, review it, and apply the new file.';

/** sha256 of the plan's canonical JSON: what the file's `digest` must be. */
export function planDigest(plan: Plan): string {
  return hashOf(plan);
}

export function serializePlan(plan: Plan): string {
  return `${JSON.stringify({ kind: KIND, ...plan, digest: planDigest(plan) }, null, 2)}\n`;
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
  return parsePlanFile(text, path);
}

/** The plan in a plan file's text; every problem is a `plan.file` error (exit 3) at `path`. */
export function parsePlanFile(text: string, path: string): Plan {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw planFileError(
      path,
      'the plan file is not valid JSON',
      'Write it again with `hk8s plan --out FILE`.',
      error,
    );
  }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    Array.isArray(parsed) ||
    (parsed as { kind?: unknown }).kind !== KIND
  ) {
    throw planFileError(path, 'this is not an hk8s plan file', 'Write one with `hk8s plan --out FILE`.');
  }
  const { kind: _kind, digest, ...plan } = parsed as Record<string, unknown>;
  if (plan.formatVersion !== PLAN_FORMAT_VERSION) {
    throw planFileError(
      path,
      `plan format ${shortJson(plan.formatVersion)} is not supported`,
      `This hk8s reads plan format ${PLAN_FORMAT_VERSION}; make the plan again with this version.`,
    );
  }
  if (typeof digest !== 'string') {
    throw planFileError(
      path,
      'the plan file has no digest: it was edited, or written by an older hk8s',
      REMAKE,
    );
  }
  const problem = planShapeProblem(plan);
  if (problem) throw planFileError(path, `the plan file is damaged: ${problem}`, REMAKE);
  // Boundary: the shape check above proved the parsed JSON is a Plan.
  if (planDigest(plan as unknown as Plan) !== digest) {
    throw planFileError(
      path,
      'the plan file was edited or damaged after hk8s wrote it (its content does not match its digest)',
      REMAKE,
    );
  }
  return plan as unknown as Plan;
}

const describeTarget = (target: Plan['target']): string =>
  target ? `${target.endpoint} (project ${target.project})` : 'an unrecorded cloud';

/**
 * The saved plan was made against another endpoint or project than this run uses (exit 7); checked
 * before anything is asked of the cloud.
 */
export function assertPlanTarget(saved: Plan, current: Plan['target'], path: string): void {
  const [a, b] = [saved.target, current];
  if (a?.endpoint === b?.endpoint && a?.project === b?.project) return;
  throw new Hk8sError(
    'plan.stale',
    `the plan was made against ${describeTarget(a)}, but this run uses ${describeTarget(b)}`,
    {
      where: path,
      hint: 'Apply it where it was made (the same token, endpoint and --sandbox), or make a new plan here with `hk8s plan --out FILE`.',
    },
  );
}

/** Refuses a saved plan whose inputs no longer match what is true now, or whose actions differ. */
export function assertPlanFresh(saved: Plan, current: Plan, path: string): void {
  assertPlanTarget(saved, current.target, path);
  if (saved.cluster !== current.cluster) {
    throw new Hk8sError('plan.stale', `the plan is for cluster ${saved.cluster}, not ${current.cluster}`, {
      where: path,
      hint: 'Apply it with the spec it was made from, or make a new plan.',
    });
  }
  if (saved.inputsHash === current.inputsHash) {
    // Same inputs: what runs is what was reviewed, or nothing runs.
    if (hashOf(saved.graph) !== hashOf(current.graph) || saved.command !== current.command) {
      throw planFileError(
        path,
        'the actions in the plan file are not the ones hk8s plans for the same inputs: the file was edited, or made by another hk8s version',
        REMAKE,
      );
    }
    return;
  }
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

function planFileError(path: string, message: string, hint: string, cause?: unknown): Hk8sError {
  return new Hk8sError('plan.file', message, {
    where: path,
    hint,
    ...(cause === undefined ? {} : { cause }),
  });
}

function shortJson(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length <= 40 ? text : `${text.slice(0, 40)}…`;
}

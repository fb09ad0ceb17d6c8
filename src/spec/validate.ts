/** Validates a parsed spec and turns zod issues into located, readable errors. */
import { type Document, LineCounter } from 'yaml';
import type { z } from 'zod';
import { Hk8sError } from '../errors.js';
import { Locator } from './locate.js';
import { describeIssue } from './messages.js';
import { specSchemaFor, type Spec } from './schema.js';
import type { AddonSettingsSchemas } from './sections/addons.js';
import { closestName } from './suggest.js';
import { notYetProblems } from './support.js';
import { shorten } from './yaml-check.js';
import { lineCounterFor } from './yaml-source.js';

export interface SpecIssue {
  /** The field, e.g. `controlPlane.pools[0].count`; empty for the whole document. */
  path: string;
  line?: number;
  column?: number;
  message: string;
}

export interface SpecSource {
  /** The file the spec came from. */
  path: string;
  text: string;
  /** The parsed YAML document; with it, issues carry line and column. */
  doc?: Document;
  lineCounter?: LineCounter;
}

/** More lines than this would bury the first problems; `--json` lists every issue. */
const MAX_LINES = 50;
const HINT = 'Fix the fields and run again; docs/spec.md lists every field and what it allows';

export class SpecValidationError extends Hk8sError {
  readonly issues: SpecIssue[];
  private readonly file: string | undefined;

  constructor(issues: SpecIssue[], file?: string, hint: string = HINT) {
    const first = issues[0];
    if (!first) throw new Error('SpecValidationError needs at least one issue');
    super('spec.invalid', `${first.path ? `${first.path}: ` : ''}${first.message}`, {
      where: whereOf(first, file),
      hint,
      detail: issues.map((issue) => describe(issue, file)).join('\n'),
    });
    this.name = 'SpecValidationError';
    this.issues = issues;
    this.file = file;
  }

  /** Every issue on its own line, each with its position and field; the last one ends with the hint. */
  override oneLine(): string {
    if (this.issues.length === 1) return super.oneLine();
    const shown = this.issues.slice(0, MAX_LINES).map((issue) => describe(issue, this.file));
    const hidden = this.issues.length - shown.length;
    if (hidden > 0) shown.push(`… and ${hidden} more (hk8s validate --json lists them all)`);
    const hint = this.hint ?? HINT;
    return `${shown.join('\n')} (${this.issues.length} problems: ${hint.replace(/^F/, 'f')})`;
  }

  override toJSON(): ReturnType<Hk8sError['toJSON']> & { issues: SpecIssue[] } {
    return { ...super.toJSON(), issues: this.issues };
  }
}

function describe(issue: SpecIssue, file: string | undefined): string {
  const field = `${issue.path || '(spec)'}: ${issue.message}`;
  return file === undefined ? field : `${whereOf(issue, file) ?? file}: ${field}`;
}

function whereOf(issue: SpecIssue, file: string | undefined): string | undefined {
  if (file === undefined) return issue.path || undefined;
  return issue.line === undefined ? file : `${file}:${issue.line}:${issue.column ?? 1}`;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `controlPlane.pools[0].labels["example.com/tier"]` */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    const name = shorten(String(segment));
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (IDENTIFIER.test(name)) text += text ? `.${name}` : name;
    else text += `[${JSON.stringify(name)}]`;
  }
  return text;
}

interface Located {
  issue: SpecIssue;
  /** The raw path, to match a missing key with the misspelled key that explains it. */
  path: readonly PropertyKey[];
  unknownKey?: string;
  missingKey?: string;
}

type Locate = (path: readonly PropertyKey[], message: string) => SpecIssue;

function issueLocator(source: SpecSource | undefined): Locate {
  const doc = source?.doc;
  const counter = doc ? (source?.lineCounter ?? lineCounterFor(source.text)) : undefined;
  const locator = doc && counter ? new Locator(doc, counter) : undefined;
  return (path, message) => {
    const position = locator?.locate(path);
    return {
      path: formatPath(path),
      message,
      ...(position ? { line: position.line, column: position.column } : {}),
    };
  };
}

/**
 * A rule checked outside the schema (it needs more than the spec, e.g. the versions the cluster
 * runs) fails the same way a field does: located in the source, listed with every other problem.
 */
export function specRuleError(
  problems: ReadonlyArray<{ path: readonly PropertyKey[]; message: string }>,
  source: SpecSource,
  hint?: string,
): SpecValidationError {
  const at = issueLocator(source);
  return new SpecValidationError(
    problems.map((problem) => at(problem.path, problem.message)),
    source.path,
    hint,
  );
}

function toSpecIssues(issues: readonly z.core.$ZodIssue[], source: SpecSource | undefined): SpecIssue[] {
  const at = issueLocator(source);
  const located: Located[] = issues.flatMap((issue): Located[] => {
    if (issue.code === 'unrecognized_keys' && issue.keys.length > 0) {
      // One line per unknown key, at the key itself: that is the line to edit.
      const messages = issue.message.split('\n');
      return issue.keys.map((key, index) => ({
        issue: at(
          [...issue.path, key],
          messages.length === issue.keys.length ? messages[index]! : `unknown field ${shorten(key)}`,
        ),
        path: issue.path,
        unknownKey: key,
      }));
    }
    const missing =
      issue.code === 'invalid_type' && issue.input === undefined
        ? issue.path[issue.path.length - 1]
        : undefined;
    return [
      {
        issue: at(issue.path, issue.message),
        path: issue.path.slice(0, -1),
        ...(typeof missing === 'string' ? { missingKey: missing } : {}),
      },
    ];
  });
  return withoutExplainedMissing(located)
    .map((issue, order) => ({ issue, order }))
    .sort((a, b) => (a.issue.line ?? Infinity) - (b.issue.line ?? Infinity) || a.order - b.order)
    .map(({ issue }) => issue);
}

/**
 * `clustr:` makes `cluster` both unknown and missing: the typo is the one mistake, so the
 * "is required" of the key it was meant to be is dropped.
 */
function withoutExplainedMissing(located: readonly Located[]): SpecIssue[] {
  const unknownByParent = new Map<string, string[]>();
  for (const entry of located) {
    if (entry.unknownKey === undefined) continue;
    const parent = formatPath(entry.path);
    unknownByParent.set(parent, [...(unknownByParent.get(parent) ?? []), entry.unknownKey]);
  }
  return located
    .filter((entry) => {
      if (entry.missingKey === undefined) return true;
      const unknown = unknownByParent.get(formatPath(entry.path)) ?? [];
      const missing = entry.missingKey;
      return !unknown.some((key) => closestName(key, [missing]) !== undefined);
    })
    .map((entry) => entry.issue);
}

export interface ValidateOptions {
  /**
   * Refuse the fields no planner applies yet (support.ts) when they are set. `loadSpec`, which
   * every command uses, does; tests of the planners build specs with fields that later features
   * will apply, and leave it off.
   */
  refuseNotYet?: boolean;
}

/**
 * Validates and defaults a spec value. Throws SpecValidationError listing every issue, located in the
 * source text when the YAML document is given.
 */
export function validateSpec(
  value: unknown,
  source?: SpecSource,
  addons?: AddonSettingsSchemas,
  options: ValidateOptions = {},
): Spec {
  if (value === null || value === undefined) {
    throw new SpecValidationError(
      [
        {
          path: '',
          message: 'the spec is empty; run hk8s init for a starter hk8s.yaml',
          ...(source?.doc ? { line: 1, column: 1 } : {}),
        },
      ],
      source?.path,
    );
  }
  const result = specSchemaFor(addons).safeParse(value, { error: describeIssue });
  const issues = [...(result.success ? [] : result.error.issues)];
  if (options.refuseNotYet) issues.push(...notYetIssues(value, issues));
  if (issues.length === 0 && result.success) return result.data;
  throw new SpecValidationError(toSpecIssues(issues, source), source?.path);
}

/**
 * Fields accepted but not applied yet (support.ts), as issues listed with the others. A field
 * that is wrong in itself is reported once, as wrong.
 */
function notYetIssues(value: unknown, issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  const wrong = issues.map((issue) => formatPath(issue.path));
  return notYetProblems(value)
    .filter((problem) => {
      const path = formatPath(problem.path);
      return !wrong.some(
        (other) => other === path || other.startsWith(`${path}.`) || other.startsWith(`${path}[`),
      );
    })
    .map(
      (problem) =>
        ({
          code: 'custom',
          path: problem.path,
          message: problem.message,
          input: undefined,
        }) as z.core.$ZodIssue,
    );
}

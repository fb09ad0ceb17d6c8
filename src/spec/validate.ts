/** Validates a parsed spec and turns zod issues into located, readable errors. */
import { type Document, LineCounter } from 'yaml';
import type { z } from 'zod';
import { Hk8sError } from '../errors.js';
import { locate } from './locate.js';
import { describeIssue } from './messages.js';
import { SpecSchema, type Spec } from './schema.js';
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

export class SpecValidationError extends Hk8sError {
  readonly issues: SpecIssue[];

  constructor(issues: SpecIssue[], file?: string) {
    const first = issues[0];
    if (!first) throw new Error('SpecValidationError needs at least one issue');
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    super('spec.invalid', `${first.path ? `${first.path}: ` : ''}${first.message}${more}`, {
      where: whereOf(first, file),
      hint: 'Fix the field and run again; docs/spec.md lists every field and what it allows',
      detail: issues.map((issue) => describe(issue, file)).join('\n'),
    });
    this.name = 'SpecValidationError';
    this.issues = issues;
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
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (IDENTIFIER.test(String(segment))) text += text ? `.${String(segment)}` : String(segment);
    else text += `[${JSON.stringify(String(segment))}]`;
  }
  return text;
}

function toSpecIssues(issues: readonly z.core.$ZodIssue[], source: SpecSource | undefined): SpecIssue[] {
  const doc = source?.doc;
  const counter = doc ? (source?.lineCounter ?? lineCounterFor(source.text)) : undefined;
  const result = issues.map((issue) => {
    // An unknown key is reported at the key itself, so its line is the line to edit.
    const path =
      issue.code === 'unrecognized_keys' && issue.keys.length > 0
        ? [...issue.path, issue.keys[0]!]
        : issue.path;
    const position = doc && counter ? locate(doc, counter, path) : undefined;
    return {
      path: formatPath(path),
      message: issue.message,
      ...(position ? { line: position.line, column: position.column } : {}),
    };
  });
  return result
    .map((issue, order) => ({ issue, order }))
    .sort((a, b) => (a.issue.line ?? Infinity) - (b.issue.line ?? Infinity) || a.order - b.order)
    .map(({ issue }) => issue);
}

/**
 * Validates and defaults a spec value. Throws SpecValidationError listing every issue, located in the
 * source text when the YAML document is given.
 */
export function validateSpec(value: unknown, source?: SpecSource): Spec {
  if (value === null || value === undefined) {
    throw new SpecValidationError(
      [{ path: '', message: 'the spec is empty; run hk8s init for a starter hk8s.yaml' }],
      source?.path,
    );
  }
  const result = SpecSchema.safeParse(value, { error: describeIssue });
  if (result.success) return result.data;
  throw new SpecValidationError(toSpecIssues(result.error.issues, source), source?.path);
}

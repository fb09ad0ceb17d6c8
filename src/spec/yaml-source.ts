/** Reading YAML (and JSON, its subset) with positions kept, so errors can point at lines. */
import { type Document, LineCounter, parseDocument } from 'yaml';
import { Hk8sError } from '../errors.js';
import { checkYamlDocument, MAX_ALIAS_COUNT, shorten } from './yaml-check.js';

export interface YamlSource {
  value: unknown;
  doc: Document;
  lineCounter: LineCounter;
}

const PARSE_HINT = 'Fix the YAML syntax (indentation, colons, quotes) and run again';
const CONTENT_HINT = 'Fix that line of the YAML and run again';

/**
 * Parses one YAML document. Every problem (syntax, duplicate key, undefined alias, alias bomb,
 * nesting too deep) becomes `spec.parse` at file:line:col; nothing from the yaml library escapes.
 */
export function parseYamlSource(path: string, text: string): YamlSource {
  const lineCounter = new LineCounter();
  let doc: Document;
  try {
    // uniqueKeys is checked by checkYamlDocument: the library's own check is quadratic.
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  } catch (error) {
    throw parseError(path, lineCounter, 0, tooDeep(error) ? 'the YAML is nested too deeply' : String(error));
  }
  const error = doc.errors[0];
  if (error) {
    const position = error.linePos?.[0] ?? lineCounter.linePos(error.pos[0]);
    throw new Hk8sError('spec.parse', `YAML syntax error: ${firstLine(error.message)}`, {
      where: `${path}:${position.line}:${position.col}`,
      hint: PARSE_HINT,
      detail: error.message,
    });
  }
  const problem = checkYamlDocument(doc);
  if (problem) throw parseError(path, lineCounter, problem.offset, problem.message);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
  } catch (error) {
    // checkYamlDocument mirrors toJS's own limits; this only catches what it does not foresee.
    const message = error instanceof Error ? error.message : String(error);
    throw parseError(path, lineCounter, 0, `cannot read the YAML: ${shorten(firstLine(message), 200)}`);
  }
  return { value, doc, lineCounter };
}

function parseError(path: string, counter: LineCounter, offset: number, message: string): Hk8sError {
  const { line, col } = counter.linePos(offset);
  return new Hk8sError('spec.parse', message, { where: `${path}:${line}:${col}`, hint: CONTENT_HINT });
}

function tooDeep(error: unknown): boolean {
  return error instanceof RangeError;
}

/** A LineCounter for text that was parsed without one. */
export function lineCounterFor(text: string): LineCounter {
  const counter = new LineCounter();
  counter.addNewLine(0);
  for (let index = text.indexOf('\n'); index >= 0; index = text.indexOf('\n', index + 1)) {
    counter.addNewLine(index + 1);
  }
  return counter;
}

function firstLine(message: string): string {
  return message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? message;
}

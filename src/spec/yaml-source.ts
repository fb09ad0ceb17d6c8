/** Reading YAML (and JSON, its subset) with positions kept, so errors can point at lines. */
import { type Document, LineCounter, parseDocument } from 'yaml';
import { Hk8sError } from '../errors.js';

export interface YamlSource {
  value: unknown;
  doc: Document;
  lineCounter: LineCounter;
}

/** Parses one YAML document; a syntax error becomes `spec.parse` at file:line:col. */
export function parseYamlSource(path: string, text: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const error = doc.errors[0];
  if (error) {
    const position = error.linePos?.[0] ?? lineCounter.linePos(error.pos[0]);
    throw new Hk8sError('spec.parse', `YAML syntax error: ${firstLine(error.message)}`, {
      where: `${path}:${position.line}:${position.col}`,
      hint: 'Fix the YAML syntax (indentation, colons, quotes) and run again',
      detail: error.message,
    });
  }
  return { value: doc.toJS({ maxAliasCount: 100 }) as unknown, doc, lineCounter };
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

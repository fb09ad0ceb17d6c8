/**
 * Reading untrusted YAML documents (secrets bundles, talosconfigs) field by field, failing with an
 * Hk8sError that names the file and the field path.
 */
import { parseDocument } from 'yaml';
import { Hk8sError } from '../../../errors.js';

export type YamlMap = Record<string, unknown>;

export class FieldReader {
  constructor(
    /** File name or description, shown first in `where`. */
    private readonly source: string,
    /** What to do when the document is wrong, one sentence. */
    private readonly hint: string,
  ) {}

  /** Parses one YAML document that must be a mapping. */
  parseRoot(text: string): YamlMap {
    const doc = parseDocument(text, { prettyErrors: true });
    const first = doc.errors[0];
    if (first !== undefined) {
      const line = first.linePos?.[0]?.line;
      throw new Hk8sError('spec.parse', `not valid YAML: ${first.message.split('\n')[0] ?? ''}`, {
        where: line === undefined ? this.source : `${this.source}:${line}`,
        hint: this.hint,
      });
    }
    return this.map(doc.toJS() as unknown, '');
  }

  fail(path: string, message: string): never {
    throw new Hk8sError('spec.invalid', message, {
      where: path === '' ? this.source : `${this.source}: ${path}`,
      hint: this.hint,
    });
  }

  map(value: unknown, path: string): YamlMap {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.fail(path, value === undefined || value === null ? 'missing' : 'must be a mapping');
    }
    return value as YamlMap;
  }

  child(parent: YamlMap, key: string, path: string): YamlMap {
    return this.map(parent[key], join(path, key));
  }

  string(parent: YamlMap, key: string, path: string): string {
    const value = parent[key];
    const at = join(path, key);
    if (value === undefined || value === null || value === '') this.fail(at, 'missing');
    if (typeof value !== 'string') this.fail(at, 'must be a string');
    return value;
  }

  stringList(parent: YamlMap, key: string, path: string): string[] {
    const value = parent[key];
    const at = join(path, key);
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
      this.fail(at, 'must be a list of strings');
    return value as string[];
  }

  /** A base64 field whose content must be PEM text; returns the PEM. */
  base64Pem(parent: YamlMap, key: string, path: string): string {
    const raw = this.string(parent, key, path);
    const text = Buffer.from(raw, 'base64').toString('utf8');
    if (!/^\s*-----BEGIN [A-Z0-9 ]+-----/.test(text))
      this.fail(join(path, key), 'must be base64 of a PEM block');
    return text;
  }
}

export function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

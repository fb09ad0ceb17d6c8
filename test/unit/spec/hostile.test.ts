/**
 * Regressions of issue 12 #9 and issue 11: inputs that used to escape as exit 1 without a position,
 * a quadratic key check, and errors shown one at a time.
 */
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode, Hk8sError } from '../../../src/errors.js';
import { loadSpec } from '../../../src/spec/load.js';
import { SpecValidationError } from '../../../src/spec/validate.js';
import { BASE } from './helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hk8s-hostile-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function loadError(text: string | Buffer, file = 'hk8s.yaml'): Promise<Hk8sError> {
  await writeFile(path.join(dir, file), text);
  const error: unknown = await loadSpec({ cwd: dir, file }).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(Hk8sError);
  return error as Hk8sError;
}

const BOMB = [
  'a: &a [x, x, x, x, x, x, x, x, x]',
  'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
  'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
  'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
  'e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]',
  '',
].join('\n');

describe('YAML that the parser only refused by throwing', () => {
  it.each([
    ['an alias bomb', BOMB, 'spec.parse', 4, /alias \*c expands too often.*alias bomb/],
    ['an undefined alias', `${BASE}talos:\n  version: *nope\n`, 'spec.parse', 9, /undefined alias \*nope/],
    [
      'an alias inside its own anchor',
      'cluster: &c\n  name: *c\n',
      'spec.parse',
      2,
      /refers to the node it is inside/,
    ],
    ['a duplicate key', `${BASE}cluster:\n  name: again\n`, 'spec.parse', 8, /duplicate key cluster/],
    ['nesting 200 levels deep', `x: ${'['.repeat(200)}${']'.repeat(200)}\n`, 'spec.parse', 1, /nested/],
  ])('%s is a positioned one-line spec error', async (_name, text, code, line, message) => {
    const error = await loadError(text);
    expect(error.code).toBe(code);
    expect(error.exitCode).toBe(ExitCode.INVALID_SPEC);
    expect(error.where).toMatch(new RegExp(`hk8s\\.yaml:${line}:\\d+$`));
    expect(error.message).toMatch(message);
    expect(error.oneLine()).not.toContain('\n');
  });

  it('invalid UTF-8 is refused at its line, not read as a replacement character', async () => {
    const text = Buffer.concat([
      Buffer.from(`${BASE}talos:\n  version: v1`),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('\n'),
    ]);
    const error = await loadError(text);
    expect(error.code).toBe('spec.parse');
    expect(error.where).toMatch(/hk8s\.yaml:9:14$/);
    expect(error.message).toMatch(/not valid UTF-8/);
  });

  it('a symbolic link loop is a spec error at the file', async () => {
    await symlink('b.yaml', path.join(dir, 'a.yaml'));
    await symlink('a.yaml', path.join(dir, 'b.yaml'));
    for (const file of ['a.yaml', undefined]) {
      if (file === undefined) await symlink('a.yaml', path.join(dir, 'hk8s.yaml'));
      const error: unknown = await loadSpec({ cwd: dir, file }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(Hk8sError);
      expect((error as Hk8sError).exitCode).toBe(ExitCode.INVALID_SPEC);
      expect((error as Hk8sError).message).toMatch(/loop of symbolic links/);
    }
  });
});

describe('a large spec', () => {
  it('validates 140,000 labels (10 MB) without the quadratic duplicate-key check', async () => {
    const labels: string[] = [];
    for (let i = 0; i < 140_000; i++)
      labels.push(`        example.com/label-${i}: value-${i}-0123456789abcdefghijklmnop\n`);
    const text = `${BASE}      labels:\n${labels.join('')}`;
    expect(text.length).toBeGreaterThan(10_000_000);
    await writeFile(path.join(dir, 'hk8s.yaml'), text);
    const loaded = await loadSpec({ cwd: dir });
    expect(Object.keys(loaded.spec.controlPlane.pools[0]!.labels)).toHaveLength(140_000);
  });

  it('still finds a duplicate among 50,000 keys, at the second one', async () => {
    const labels: string[] = [];
    for (let i = 0; i < 50_000; i++) labels.push(`        k${i}: v\n`);
    labels.push('        k123: again\n');
    const error = await loadError(`${BASE}      labels:\n${labels.join('')}`);
    expect(error.where).toMatch(new RegExp(`hk8s\\.yaml:${8 + 50_001}:9$`));
    expect(error.message).toBe('duplicate key k123: each key may appear only once in a mapping');
  });
});

describe('every validation error at once', () => {
  const FIVE = [
    'clustr:',
    '  name: demo',
    'controlPlane:',
    '  pools:',
    '    - name: cp',
    '      location: fsn9',
    '      type: cpx22',
    '      count: two',
    '      lables: {}',
    'workers:',
    '  pool: []',
    '',
  ].join('\n');

  it('five mistakes are five lines, each with file:line:col, the field and what is allowed', async () => {
    const error = (await loadError(FIVE)) as SpecValidationError;
    expect(error).toBeInstanceOf(SpecValidationError);
    expect(error.exitCode).toBe(ExitCode.INVALID_SPEC);
    const file = path.join(dir, 'hk8s.yaml');
    const lines = error.oneLine().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe(`${file}:1:1: clustr: unknown field clustr; did you mean cluster?`);
    expect(lines[1]).toBe(
      `${file}:6:7: controlPlane.pools[0].location: must be one of fsn1, nbg1, hel1, ash, hil, sin`,
    );
    expect(lines[2]).toBe(`${file}:8:7: controlPlane.pools[0].count: must be a number, not a string`);
    expect(lines[3]).toBe(
      `${file}:9:7: controlPlane.pools[0].lables: unknown field lables; did you mean labels?`,
    );
    expect(lines[4]).toMatch(
      new RegExp(`^${file}:11:3: workers\\.pool: unknown field pool; did you mean pools\\? \\(5 problems: `),
    );
    expect(error.toJSON().issues).toHaveLength(5);
  });

  it('a top-level typo is reported at its own line, not as a missing key at 1:1', async () => {
    const error = (await loadError(
      `controlPlane:\n  pools:\n    - { name: cp, location: fsn1, type: cpx22 }\nclustr:\n  name: demo\n`,
    )) as SpecValidationError;
    expect(error.issues.map((issue) => issue.path)).not.toContain('cluster');
    expect(error.issues).toEqual([
      {
        path: 'clustr',
        line: 4,
        column: 1,
        message: 'unknown field clustr; did you mean cluster?',
      },
    ]);
  });

  it('two unknown keys in one mapping are two issues at their own lines', async () => {
    const error = (await loadError(
      `${BASE}hcloud:\n  tokn: { env: X }\n  endpiont: https://x\n`,
    )) as SpecValidationError;
    expect(error.issues).toEqual([
      { path: 'hcloud.tokn', line: 9, column: 3, message: 'unknown field tokn; did you mean token?' },
      {
        path: 'hcloud.endpiont',
        line: 10,
        column: 3,
        message: 'unknown field endpiont; did you mean endpoint?',
      },
    ]);
  });

  it('a 100 kB key is shortened in the message', async () => {
    const error = await loadError(`${BASE}${'k'.repeat(100_000)}: 1\n`);
    expect(error.oneLine().length).toBeLessThan(1_000);
  });
});

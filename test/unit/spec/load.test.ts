import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Hk8sError } from '../../../src/errors.js';
import { canonicalJson, loadSpec } from '../../../src/spec/load.js';
import { SpecValidationError } from '../../../src/spec/validate.js';
import { BASE } from './helpers.js';

const SPEC_OBJECT = {
  cluster: { name: 'demo' },
  controlPlane: { pools: [{ name: 'cp', location: 'fsn1', type: 'cpx22' }] },
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hk8s-spec-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

describe('finding the spec', () => {
  it.each([
    ['hk8s.yaml', BASE],
    ['hk8s.yml', BASE],
    ['.hk8src', BASE],
    ['.hk8src.json', JSON.stringify(SPEC_OBJECT)],
    ['.hk8src.yaml', BASE],
    ['package.json', JSON.stringify({ name: 'infra', private: true, hk8s: SPEC_OBJECT })],
    ['hk8s.config.mjs', `export default ${JSON.stringify(SPEC_OBJECT)};\n`],
    ['.hk8src.mjs', `export default ${JSON.stringify(SPEC_OBJECT)};\n`],
  ])('finds %s', async (file, content) => {
    await writeFile(path.join(dir, file), content);
    const loaded = await loadSpec({ cwd: dir });
    expect(loaded.path).toBe(path.join(dir, file));
    expect(loaded.text).toBe(content);
    expect(loaded.spec.cluster.name).toBe('demo');
    expect(loaded.spec.controlPlane.pools[0]?.count).toBe(1);
  });

  it('prefers hk8s.yaml over package.json', async () => {
    await writeFile(
      path.join(dir, 'package.json'),
      JSON.stringify({ hk8s: { ...SPEC_OBJECT, cluster: { name: 'other' } } }),
    );
    await writeFile(path.join(dir, 'hk8s.yaml'), BASE);
    expect((await loadSpec({ cwd: dir })).spec.cluster.name).toBe('demo');
  });

  it('ignores a package.json without an hk8s key', async () => {
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'x' }));
    const error = await rejection(loadSpec({ cwd: dir }));
    expect(error).toBeInstanceOf(Hk8sError);
    expect((error as Hk8sError).code).toBe('spec.not-found');
  });

  it('loads an explicit file of any name relative to cwd', async () => {
    await writeFile(path.join(dir, 'staging.yaml'), BASE);
    const loaded = await loadSpec({ cwd: dir, file: 'staging.yaml' });
    expect(loaded.path).toBe(path.join(dir, 'staging.yaml'));
  });
});

describe('errors', () => {
  it('names the directory and the places searched when nothing is found', async () => {
    const error = (await rejection(loadSpec({ cwd: dir }))) as Hk8sError;
    expect(error).toBeInstanceOf(Hk8sError);
    expect(error.code).toBe('spec.not-found');
    expect(error.message).toContain(dir);
    expect(error.hint).toMatch(/hk8s init/);
    expect(error.detail).toContain('hk8s.yaml');
    expect(error.detail).toContain('package.json#hk8s');
    expect(error.detail).toContain('hk8s.config.mjs');
  });

  it('reports a missing explicit file as not found', async () => {
    const error = (await rejection(loadSpec({ cwd: dir, file: 'nope.yaml' }))) as Hk8sError;
    expect(error.code).toBe('spec.not-found');
    expect(error.where).toBe(path.join(dir, 'nope.yaml'));
  });

  it('reports YAML syntax errors at file:line:col', async () => {
    await writeFile(path.join(dir, 'hk8s.yaml'), 'cluster:\n  name: demo\n  domain: [a, b\n');
    const error = (await rejection(loadSpec({ cwd: dir }))) as Hk8sError;
    expect(error).toBeInstanceOf(Hk8sError);
    expect(error.code).toBe('spec.parse');
    expect(error.where).toMatch(
      new RegExp(`^${path.join(dir, 'hk8s.yaml').replace(/[.\\]/g, '\\$&')}:\\d+:\\d+$`),
    );
  });

  it('reports duplicate keys as a parse error on their line', async () => {
    await writeFile(path.join(dir, 'hk8s.yaml'), 'cluster:\n  name: demo\n  name: again\n');
    const error = (await rejection(loadSpec({ cwd: dir }))) as Hk8sError;
    expect(error.code).toBe('spec.parse');
    expect(error.where).toBe(`${path.join(dir, 'hk8s.yaml')}:3:3`);
  });

  it('locates validation issues in the YAML file', async () => {
    await writeFile(path.join(dir, 'hk8s.yaml'), BASE.replace('fsn1', 'fra1'));
    const error = (await rejection(loadSpec({ cwd: dir }))) as SpecValidationError;
    expect(error).toBeInstanceOf(SpecValidationError);
    expect(error.code).toBe('spec.invalid');
    expect(error.where).toBe(`${path.join(dir, 'hk8s.yaml')}:6:7`);
    expect(error.issues).toEqual([
      {
        path: 'controlPlane.pools[0].location',
        line: 6,
        column: 7,
        message: 'must be one of fsn1, nbg1, hel1, ash, hil, sin',
      },
    ]);
  });

  it('locates validation issues in a JSON rc file too', async () => {
    const json = JSON.stringify({ ...SPEC_OBJECT, cluster: { name: 'demo', acess: 'public' } }, null, 2);
    await writeFile(path.join(dir, '.hk8src.json'), json);
    const error = (await rejection(loadSpec({ cwd: dir }))) as SpecValidationError;
    expect(error.issues[0]).toMatchObject({
      path: 'cluster.acess',
      line: 4,
      message: 'unknown field acess; did you mean access?',
    });
  });

  it('reports paths without lines for JavaScript configs', async () => {
    await writeFile(
      path.join(dir, 'hk8s.config.mjs'),
      `export default ${JSON.stringify({ ...SPEC_OBJECT, cluster: { name: 'BAD' } })};\n`,
    );
    const error = (await rejection(loadSpec({ cwd: dir }))) as SpecValidationError;
    expect(error.issues[0]?.path).toBe('cluster.name');
    expect(error.issues[0]?.line).toBeUndefined();
    expect(error.where).toBe(path.join(dir, 'hk8s.config.mjs'));
  });

  it.each([['# nothing yet\n'], [''], ['  \n']])('rejects an empty file (%j)', async (content) => {
    await writeFile(path.join(dir, 'hk8s.yaml'), content);
    const error = (await rejection(loadSpec({ cwd: dir }))) as SpecValidationError;
    expect(error).toBeInstanceOf(SpecValidationError);
    expect(error.code).toBe('spec.invalid');
    expect(error.message).toMatch(/empty/);
  });
});

describe('hash', () => {
  it('is the same for the same spec whatever the layout, order or defaults written out', async () => {
    const a = path.join(dir, 'a');
    const b = path.join(dir, 'b');
    await Promise.all([
      import('node:fs/promises').then((fs) => fs.mkdir(a)),
      import('node:fs/promises').then((fs) => fs.mkdir(b)),
    ]);
    await writeFile(path.join(a, 'hk8s.yaml'), BASE);
    await writeFile(
      path.join(b, 'hk8s.yaml'),
      `# reordered, with defaults spelled out\ncontrolPlane:\n  pools:\n    - type: cpx22\n      location: fsn1\n      name: cp\n      count: 1\ncluster: { name: demo, domain: cluster.local }\n`,
    );
    const [first, second, again] = await Promise.all([
      loadSpec({ cwd: a }),
      loadSpec({ cwd: b }),
      loadSpec({ cwd: a }),
    ]);
    expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(second.hash).toBe(first.hash);
    expect(again.hash).toBe(first.hash);
  });

  it('changes when the spec changes', async () => {
    await writeFile(path.join(dir, 'hk8s.yaml'), BASE);
    const before = await loadSpec({ cwd: dir });
    await writeFile(path.join(dir, 'hk8s.yaml'), BASE.replace('cpx22', 'cpx32'));
    const after = await loadSpec({ cwd: dir });
    expect(after.hash).not.toBe(before.hash);
  });

  it('canonical JSON sorts keys at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: 3 } })).toBe(
      '{"a":{"c":3,"d":[{"y":2,"z":1}]},"b":1}',
    );
  });
});

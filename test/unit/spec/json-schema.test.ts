import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as Ajv2020Module from 'ajv/dist/2020.js';
import * as addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { specJsonSchema } from '../../../src/spec/json-schema.js';
import { firstPartySchemas } from '../../support/first-party-addons.js';
import { starterSpecYaml } from '../../../src/spec/starter.js';
import { validateSpec } from '../../../src/spec/validate.js';
import { Hk8sError } from '../../../src/errors.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

interface Validator {
  (value: unknown): boolean;
  errors?: unknown;
}
type AjvClass = new (options: { strict: boolean; allErrors: boolean }) => {
  compile(schema: object): Validator;
};
type AddFormats = (ajv: object) => unknown;
// Both packages are CommonJS; depending on the loader the class sits on .default once or twice.
function unwrap<T>(module: unknown): T {
  let value = module as { default?: unknown };
  while (typeof value !== 'function' && value && 'default' in value)
    value = value.default as { default?: unknown };
  return value as T;
}

let compiled: ReturnType<typeof compileValidator> | undefined;
function jsonSchemaValidator() {
  compiled ??= compileValidator();
  return compiled;
}

function compileValidator() {
  const Ajv = unwrap<AjvClass>(Ajv2020Module);
  const addFormats = unwrap<AddFormats>(addFormatsModule);
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv.compile(specJsonSchema());
}

async function exampleFiles(): Promise<string[]> {
  const names = await readdir(path.join(root, 'examples'));
  return names.filter((name) => /\.ya?ml$/.test(name)).sort();
}

describe('JSON Schema', () => {
  it('the committed schema/hk8s.schema.json is current', async () => {
    const committed: unknown = JSON.parse(await readFile(path.join(root, 'schema/hk8s.schema.json'), 'utf8'));
    // Regenerate (with the first-party addons, as `hk8s schema` prints it): npx tsx test/support/write-spec-schema.ts
    expect(committed).toEqual(specJsonSchema(await firstPartySchemas()));
  });

  it('is draft 2020-12 with help text on the important fields', () => {
    const schema = specJsonSchema() as {
      $schema: string;
      title: string;
      properties: Record<
        string,
        { description?: string; properties?: Record<string, { description?: string }> }
      >;
    };
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.title).toBe('hk8s cluster spec');
    expect(schema.properties.cluster?.properties?.name?.description).toMatch(/Cluster name/);
    expect(schema.properties.network?.description).toBeTruthy();
  });

  it('rejects what zod rejects for shape errors', () => {
    const validate = jsonSchemaValidator();
    expect(validate({ cluster: { name: 'demo' }, controlPlane: { pools: [] } })).toBe(false);
    expect(
      validate({
        cluster: { name: 'demo', typo: 1 },
        controlPlane: { pools: [{ name: 'cp', location: 'fsn1', type: 'cpx22' }] },
      }),
    ).toBe(false);
    expect(
      validate({
        cluster: { name: 'demo' },
        hcloud: { token: 'inline' },
        controlPlane: { pools: [{ name: 'cp', location: 'fsn1', type: 'cpx22' }] },
      }),
    ).toBe(false);
  });
});

describe('examples and the starter validate against zod and the JSON Schema', () => {
  it('has the three documented examples', async () => {
    expect(await exampleFiles()).toEqual(expect.arrayContaining(['full.yaml', 'ha.yaml', 'minimal.yaml']));
  });

  it.each(['minimal.yaml', 'ha.yaml', 'full.yaml'])('examples/%s', async (name) => {
    const value: unknown = parse(await readFile(path.join(root, 'examples', name), 'utf8'));
    expect(() => validateSpec(value)).not.toThrow();
    const validate = jsonSchemaValidator();
    expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
  });

  it('every file in examples/ validates', async () => {
    const validate = jsonSchemaValidator();
    for (const name of await exampleFiles()) {
      const value: unknown = parse(await readFile(path.join(root, 'examples', name), 'utf8'));
      validateSpec(value);
      expect(validate(value), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it('full.yaml has three control-plane pools of one and five workers in two pools', async () => {
    const spec = validateSpec(parse(await readFile(path.join(root, 'examples/full.yaml'), 'utf8')));
    expect(spec.controlPlane.pools.map((pool) => [pool.location, pool.count])).toEqual([
      ['fsn1', 1],
      ['nbg1', 1],
      ['hel1', 1],
    ]);
    expect(spec.workers.pools).toHaveLength(2);
    expect(spec.workers.pools.reduce((sum, pool) => sum + pool.count, 0)).toBe(5);
  });

  it('the starter spec', () => {
    const text = starterSpecYaml({ name: 'demo', schemaRef: './hk8s.schema.json' });
    expect(text.split('\n')[0]).toBe('$schema: ./hk8s.schema.json');
    const value: unknown = parse(text);
    const spec = validateSpec(value);
    expect(spec.cluster.name).toBe('demo');
    expect(spec.controlPlane.pools).toEqual([
      expect.objectContaining({ location: 'fsn1', type: 'cpx22', count: 3 }),
    ]);
    expect(spec.workers.pools).toEqual([expect.objectContaining({ count: 2 })]);
    expect(text).toContain('docs/spec.md');
    const validate = jsonSchemaValidator();
    expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
  });

  it('the starter refuses a bad cluster name', () => {
    expect(() => starterSpecYaml({ name: 'Bad Name', schemaRef: './hk8s.schema.json' })).toThrow(Hk8sError);
  });
});

/**
 * The `--json` shapes are a contract: src/cli/json-contract.ts declares them, and
 * schema/cli-json.schema.json is their reviewed JSON Schema. A change to any shape (or to a type
 * it uses, such as an action) fails here until the schema is regenerated with
 * `HK8S_WRITE_CONTRACT=1 npx vitest run test/unit/cli/json-contract.test.ts` and the diff reviewed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { format } from 'prettier';
import { describe, expect, it } from 'vitest';
import { JSON_CONTRACT_VERSION } from '../../../src/cli/json-contract.js';
import { typeSchema } from '../../support/type-schema.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SCHEMA = join(root, 'schema', 'cli-json.schema.json');

describe('the --json contract', () => {
  const generated: Record<string, unknown> = {
    ...typeSchema(join(root, 'src', 'cli', 'json-contract.ts'), 'JsonContract'),
    $id: `https://hk8s.dev/schema/cli-json/v${JSON_CONTRACT_VERSION}.json`,
    'x-hk8s-json-version': JSON_CONTRACT_VERSION,
  };

  it('matches the reviewed schema in schema/cli-json.schema.json', async () => {
    if (process.env.HK8S_WRITE_CONTRACT === '1') {
      writeFileSync(SCHEMA, await format(JSON.stringify(generated), { parser: 'json' }));
    }
    expect(generated).toEqual(JSON.parse(readFileSync(SCHEMA, 'utf8')));
  });

  it('is a valid JSON Schema that covers every command with --json', () => {
    const ajv = new Ajv2020({ strict: false });
    expect(ajv.validateSchema(generated)).toBe(true);
    const manifest = JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8')) as {
      commands: Record<string, { enableJsonFlag?: boolean }>;
    };
    const withJson = Object.entries(manifest.commands)
      .filter(([, command]) => command.enableJsonFlag !== false)
      .map(([id]) => id.replace(/:/g, ' '))
      .sort();
    expect(withJson.length).toBeGreaterThan(10);
    const described = Object.keys(generated.properties as Record<string, unknown>);
    expect([...described].sort()).toEqual([...withJson, 'error'].sort());
  });
});

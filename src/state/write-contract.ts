/**
 * Writes the JSON Schemas of the current state format to `state/schemas/v<N>/`, generated from
 * the zod schemas. Run from the repository root: `npx tsx src/state/write-contract.ts`.
 * A test checks that the committed files equal freshly generated ones.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CURRENT_FORMAT } from './events.js';
import { contractSchemas } from './event-schema.js';

export const SCHEMAS_DIR = join('state', 'schemas', `v${CURRENT_FORMAT}`);

/** Formats like the repository's prettier config when prettier is installed (a dev dependency). */
async function formatJson(path: string, text: string): Promise<string> {
  try {
    const prettier = await import('prettier');
    const options = (await prettier.resolveConfig(path)) ?? {};
    return await prettier.format(text, { ...options, filepath: path });
  } catch {
    return text;
  }
}

export async function writeContract(root: string): Promise<string[]> {
  const dir = join(root, SCHEMAS_DIR);
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, schema] of Object.entries(contractSchemas())) {
    const path = join(dir, name);
    await writeFile(path, await formatJson(path, `${JSON.stringify(schema, null, 2)}\n`));
    written.push(path);
  }
  return written;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const written = await writeContract(process.cwd());
  console.log(`wrote ${written.length} schemas to ${SCHEMAS_DIR}`);
}

/** The Hetzner token, from where the spec says it lives. It is never printed or logged. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Hk8sError } from '../errors.js';
import type { Spec } from '../spec/schema.js';

export async function resolveToken(
  spec: Spec,
  root: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const source = spec.hcloud.token;
  if ('env' in source) {
    const value = env[source.env]?.trim();
    if (!value) {
      throw new Hk8sError('provider.auth', `the Hetzner Cloud token is not set: ${source.env} is empty`, {
        where: 'hcloud.token',
        hint: `Export ${source.env} with a read-write API token of the Hetzner project, or try hk8s with --sandbox.`,
      });
    }
    return value;
  }
  const path = resolve(root, source.file);
  try {
    const value = (await readFile(path, 'utf8')).trim();
    if (value) return value;
  } catch (error) {
    throw new Hk8sError('provider.auth', 'cannot read the Hetzner Cloud token file', {
      where: `hcloud.token.file (${path})`,
      hint: 'Create the file with the API token as its only content (mode 0600), or point hcloud.token elsewhere.',
      cause: error,
    });
  }
  throw new Hk8sError('provider.auth', 'the Hetzner Cloud token file is empty', {
    where: `hcloud.token.file (${path})`,
    hint: 'Put a read-write API token of the Hetzner project in it.',
  });
}

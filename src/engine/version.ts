import { readFileSync } from 'node:fs';

/** hk8s's own version, from package.json (one level up from both src/ and dist/). */
export const HK8S_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

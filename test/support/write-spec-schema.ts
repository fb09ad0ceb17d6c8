/** Writes schema/hk8s.schema.json as `hk8s schema` prints it with the first-party addons installed. */
import { writeFile } from 'node:fs/promises';
import { specJsonSchemaText } from '../../src/spec/json-schema.js';
import { firstPartySchemas } from './first-party-addons.js';

await writeFile(
  new URL('../../schema/hk8s.schema.json', import.meta.url),
  specJsonSchemaText(await firstPartySchemas()),
);

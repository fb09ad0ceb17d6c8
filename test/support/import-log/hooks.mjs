// Module resolve hook: appends each specifier and the URL it resolved to to HK8S_IMPORT_LOG.
import { appendFileSync } from 'node:fs';
import process from 'node:process';

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  const log = process.env.HK8S_IMPORT_LOG;
  if (log) appendFileSync(log, `${specifier} ${resolved.url} ${context.parentURL ?? ''}\n`);
  return resolved;
}

/**
 * @kubernetes/client-node takes close to a second to load, so src/providers/kube/index.ts must not
 * pull it in statically: walks the static runtime import graph from index.ts (type-only imports
 * and dynamic `import()` excluded) and checks the library is not in it.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reachablePackages } from '../../support/static-imports.js';

const ROOT = resolve(import.meta.dirname, '../../../src/providers/kube');
const LIBRARY = '@kubernetes/client-node';

describe('lazy loading of @kubernetes/client-node', () => {
  it('index.ts reaches no static runtime import of the library', () => {
    expect([...reachablePackages(resolve(ROOT, 'index.ts'))]).not.toContain(LIBRARY);
  });

  it('the adapter does import it (the walk can see it), and index.ts loads the adapter dynamically', () => {
    expect(reachablePackages(resolve(ROOT, 'adapter/client-node-api.ts'))).toContain(LIBRARY);
    expect(readFileSync(resolve(ROOT, 'index.ts'), 'utf8')).toMatch(
      /await import\('\.\/adapter\/client-node-api\.js'\)/,
    );
  });
});

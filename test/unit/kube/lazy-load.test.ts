/**
 * @kubernetes/client-node takes close to a second to load, so src/providers/kube/index.ts must not
 * pull it in statically: walks the static runtime import graph from index.ts (type-only imports
 * and dynamic `import()` excluded) and checks the library is not in it.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../../src/providers/kube');
const LIBRARY = '@kubernetes/client-node';

/** Module specifiers a file imports at runtime, statically. */
function staticRuntimeImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const specifiers: string[] = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
      const clause = statement.importClause;
      const typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            clause.namedBindings !== undefined &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      if (!typeOnly) specifiers.push(statement.moduleSpecifier.text);
    }
    if (
      ts.isExportDeclaration(statement) &&
      statement.moduleSpecifier &&
      ts.isStringLiteral(statement.moduleSpecifier)
    ) {
      const typeOnly =
        statement.isTypeOnly ||
        (statement.exportClause !== undefined &&
          ts.isNamedExports(statement.exportClause) &&
          statement.exportClause.elements.every((e) => e.isTypeOnly));
      if (!typeOnly) specifiers.push(statement.moduleSpecifier.text);
    }
  }
  return specifiers;
}

/** Every package reached from `entry` through static runtime imports of relative modules. */
function reachablePackages(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const specifier of staticRuntimeImports(file)) {
      if (specifier.startsWith('.')) queue.push(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else packages.add(specifier);
    }
  }
  return packages;
}

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

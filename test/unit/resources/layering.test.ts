/**
 * The planner is pure: loading it must never load the Hetzner client, its transport, the Talos
 * client or the sandbox. Checked on the source import graph, following only imports that exist at
 * run time (`import type` and all-type specifier lists are erased by the compiler).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function runtimeImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const out: string[] = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      if (clause?.isTypeOnly) continue;
      const named = clause?.namedBindings;
      const allTypes =
        clause !== undefined &&
        clause.name === undefined &&
        named !== undefined &&
        ts.isNamedImports(named) &&
        named.elements.length > 0 &&
        named.elements.every((e) => e.isTypeOnly);
      if (!allTypes && ts.isStringLiteral(statement.moduleSpecifier))
        out.push(statement.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(statement) && !statement.isTypeOnly && statement.moduleSpecifier) {
      if (ts.isStringLiteral(statement.moduleSpecifier)) out.push(statement.moduleSpecifier.text);
    }
  }
  return out;
}

function resolveLocal(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = join(dirname(from), specifier).replace(/\.js$/, '');
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) if (existsSync(candidate)) return candidate;
  throw new Error(`${relative(ROOT, from)}: cannot resolve ${specifier}`);
}

/** Every source file loaded at run time by importing `entries`, relative to the repository. */
function runtimeGraph(entries: string[]): Set<string> {
  const seen = new Set<string>();
  const queue = entries.map((e) => join(ROOT, e));
  while (queue.length > 0) {
    const file = queue.pop() as string;
    const rel = relative(ROOT, file);
    if (seen.has(rel)) continue;
    seen.add(rel);
    for (const specifier of runtimeImports(file)) {
      const next = resolveLocal(file, specifier);
      if (next) queue.push(next);
    }
  }
  return seen;
}

const FORBIDDEN = [
  /^src\/providers\//,
  /^src\/sandbox\//,
  /^src\/execute\//,
  /^src\/engine\//,
  /^src\/cli\//,
];

describe('the plan layer loads no client', () => {
  const graph = runtimeGraph(['src/plan/plan.ts', 'src/plan/hcloud/desired.ts', 'src/resources/registry.ts']);

  it('reaches every resource module (the walk follows the registry)', () => {
    expect(graph).toContain('src/resources/hcloud/firewall.ts');
    expect(graph).toContain('src/resources/hcloud/server/driver.ts');
    expect(graph).toContain('src/talos/config/build.ts');
  });

  it('loads nothing from providers, the sandbox, the executor, the engine or the CLI', () => {
    expect([...graph].filter((file) => FORBIDDEN.some((pattern) => pattern.test(file)))).toEqual([]);
  });

  it('would notice a runtime import of the client', () => {
    const client = runtimeGraph(['src/observe/hcloud.ts', 'src/providers/hcloud/index.ts']);
    expect(client).toContain('src/providers/hcloud/transport.ts');
  });
});

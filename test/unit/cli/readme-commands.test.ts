/**
 * README's command table against the oclif manifest: every command has a row, and every flag
 * of a command (but the global `-c/--config`, `--sandbox` and `--json`, which the README names
 * once for all) is written in its row, so the table cannot fall behind the CLI.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface ManifestCommand {
  flags: Record<string, { name: string; char?: string }>;
  enableJsonFlag?: boolean;
}

const manifest = JSON.parse(readFileSync('oclif.manifest.json', 'utf8')) as {
  commands: Record<string, ManifestCommand>;
};
const readme = readFileSync('README.md', 'utf8');
const GLOBAL = new Set(['config', 'sandbox', 'json']);

/** The table's rows, each with the command names it documents (`state list` · `state show`). */
const rows = readme
  .split('\n')
  .filter((line) => line.startsWith('| `hk8s '))
  .map((line) => {
    const cell = line.split(' | ')[0] ?? '';
    const names = [...cell.matchAll(/`(?:hk8s )?([a-z]+(?: [a-z]+)?)[ `]/g)].map((m) => m[1] as string);
    return { cell, names };
  });

function rowOf(id: string) {
  const name = id.replace(/:/g, ' ');
  return rows.find((row) => row.names.includes(name));
}

describe("README's command table", () => {
  const ids = Object.keys(manifest.commands).filter((id) => !id.startsWith('plugins'));

  it.each(ids)('documents %s and all its flags', (id) => {
    const row = rowOf(id);
    expect(row, `no row for ${id}`).toBeDefined();
    const flags = Object.values(manifest.commands[id]?.flags ?? {}).filter((flag) => !GLOBAL.has(flag.name));
    for (const flag of flags) expect(row?.cell, `${id} --${flag.name}`).toContain(`--${flag.name}`);
  });

  it('says the global flags once, and that every command has --json', () => {
    expect(readme).toContain('Every command takes `-c/--config FILE`');
    const withoutJson = ids.filter((id) => manifest.commands[id]?.enableJsonFlag === false);
    expect(withoutJson).toEqual([]);
  });
});

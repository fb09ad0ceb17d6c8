/**
 * What the built CLI loads: `--version` loads neither the CLI framework nor hk8s's own code, and a
 * plan that asks no node anything (a cluster with no nodes yet) loads neither the gRPC client nor
 * the X.509 library. Watched by a module resolve hook (test/support/import-log) in the spawned
 * process; a static walk of the sources says the same for every command module.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, sandboxDirFor, workspace, type Workspace } from '../support/cli.js';
import { chainTo } from '../support/static-imports.js';

const HEAVY = ['@grpc/grpc-js', '@grpc/proto-loader', '@peculiar/x509'];
const HOOK = resolve('test/support/import-log/register.mjs');
const SPEC = readFileSync('test/fixtures/cli/small.yaml', 'utf8');

/** Runs the built CLI with the resolve hook; the specifiers it resolved, one per entry. */
function loaded(ws: Workspace, args: string[]): { code: number | null; specifiers: string[]; out: string } {
  const log = join(ws.dir, `imports-${args[0]?.replace(/\W/g, '')}.log`);
  const r = spawnSync(process.execPath, ['--import', HOOK, CLI, ...args], {
    cwd: ws.dir,
    env: { ...ws.env, HK8S_IMPORT_LOG: log },
    encoding: 'utf8',
    timeout: 120_000,
  });
  let text = '';
  try {
    text = readFileSync(log, 'utf8');
  } catch {
    // Nothing resolved at all.
  }
  return {
    code: r.status,
    specifiers: text.split('\n').filter(Boolean),
    out: r.stdout.slice(-1500) + r.stderr.slice(-1500),
  };
}

const heavyIn = (specifiers: string[]) =>
  specifiers.filter((line) => HEAVY.some((lib) => line.startsWith(`${lib} `) || line.includes(`/${lib}/`)));

const sandboxDir = sandboxDirFor('lazy-load');
let ws: Workspace;

beforeAll(() => {
  ws = workspace({ sandboxDir });
  ws.writeSpec(SPEC);
  // Started here, without the hook: the sandbox process (which serves Talos over gRPC) is not hk8s.
  const started = ws.run('sandbox', 'start', '--speed', '0.01');
  expect(started.code, started.stderr).toBe(0);
});

afterAll(() => {
  ws?.run('sandbox', 'stop');
});

describe('what the built CLI loads', () => {
  it('hk8s --version loads neither oclif nor dist/ nor any Talos library', () => {
    const r = loaded(ws, ['--version']);
    expect(r.code, r.out).toBe(0);
    expect(r.specifiers.filter((s) => s.includes('@oclif/core') || s.includes('/dist/'))).toEqual([]);
    expect(heavyIn(r.specifiers)).toEqual([]);
  });

  it('a plan of a cluster with no nodes yet loads no gRPC and no X.509 code (the hook does see dist/)', () => {
    const r = loaded(ws, ['plan', '--sandbox', '--detailed-exitcode']);
    expect(r.code, r.out).toBe(2);
    expect(r.specifiers.some((s) => s.includes('/dist/commands/plan.js'))).toBe(true);
    expect(heavyIn(r.specifiers)).toEqual([]);
  });

  it('plan, apply, destroy, validate and init reach no Talos library through static imports', () => {
    const commands = resolve('src/commands');
    const files = ['plan.ts', 'apply.ts', 'destroy.ts', 'validate.ts', 'init.ts'];
    expect(readdirSync(commands)).toEqual(expect.arrayContaining(files));
    const chains = files.flatMap((file) =>
      HEAVY.map((lib) => chainTo(join(commands, file), lib)).filter((c): c is string[] => c !== undefined),
    );
    expect(chains).toEqual([]);
  });

  it('the walk sees a static import where there is one', () => {
    expect(chainTo(resolve('src/providers/talos/client/client.ts'), '@grpc/grpc-js')).toBeDefined();
    expect(chainTo(resolve('src/providers/talos/pki/certificates.ts'), '@peculiar/x509')).toBeDefined();
  });
});

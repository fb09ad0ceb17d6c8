/**
 * Exit codes of the built CLI for the cases issue 11 found wrong (README "Exit codes"). The other
 * codes are covered by errors.test.ts, cli.test.ts and interrupt.test.ts. Exit 1 has no trigger
 * here: every failure hk8s anticipates is an Hk8sError with its own code, and 1 is left for bugs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sandboxDirFor, workspace } from '../support/cli.js';

const ws = workspace({ sandboxDir: sandboxDirFor('exit-codes') });

describe('exit codes', () => {
  it('0: init writes the spec and adds .hk8s/ to .gitignore once', () => {
    expect(ws.run('init', '--name', 'codes').code).toBe(0);
    expect(ws.run('init', '--name', 'codes', '--force').code).toBe(0);
    const ignore = readFileSync(join(ws.dir, '.gitignore'), 'utf8');
    expect(ignore.split('\n').filter((l) => l === '.hk8s/')).toHaveLength(1);
  });

  it('0: resume with nothing to resume says so without asking for a token', () => {
    const r = ws.run('resume');
    expect(r.code, r.stderr).toBe(0);
    // No run ever started here: it says what to run instead, not that a run finished.
    expect(r.stdout).toContain('Nothing to resume: no run has started in this state yet');
    expect(r.stderr).not.toContain('HCLOUD_TOKEN');
  });

  it('3: init --dir of a missing directory names it, no raw ENOENT', () => {
    const r = ws.run('init', '--dir', join(ws.dir, 'missing'));
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^Error: --dir: directory .*missing does not exist/);
    expect(r.stderr).not.toContain('ENOENT');
    expect(existsSync(join(ws.dir, 'missing'))).toBe(false);
  });

  it('3: state events --type Bogus names the allowed types', () => {
    const r = ws.run('state', 'events', '--type', 'Bogus');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('ActionFailed');
  });
});

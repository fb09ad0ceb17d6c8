/**
 * Exit codes and error lines of the built CLI (README "Exit codes"): one line on stderr with where,
 * what and what to do, no stack trace; with --json one envelope on stdout. Secrets never show.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, type ErrorCode } from '../../src/errors.js';
import { CLI, sandboxDirFor, workspace, type CliResult, type Workspace } from '../support/cli.js';
import { inventory, world } from '../support/sandbox-client.js';

const SPEC = readFileSync('test/fixtures/cli/small.yaml', 'utf8');
const MORE_WORKERS = SPEC.replace('count: 2,', 'count: 3,');

const sandboxDir = sandboxDirFor('errors');
let ws: Workspace; // the cluster `cli` on the sandbox
let empty: Workspace; // no spec at all

beforeAll(() => {
  ws = workspace({ sandboxDir });
  ws.writeSpec(SPEC);
  empty = workspace({ sandboxDir });
  const started = ws.run('sandbox', 'start', '--speed', '0.01');
  expect(started.code, started.stderr).toBe(0);
});

afterAll(() => {
  ws?.run('sandbox', 'stop');
});

const logPath = () => join(ws.dir, '.hk8s', 'cli', 'events.jsonl');
const lockPath = () => join(ws.dir, '.hk8s', 'cli', 'lock');

/** A failure a person reads: the documented exit code and exactly one `Error: …` line, no stack. */
function expectOneLineError(r: CliResult, exitCode: number): string {
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(exitCode);
  const errors = r.stderr.split('\n').filter((line) => line.startsWith('Error: '));
  expect(errors, r.stderr).toHaveLength(1);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  return errors[0] as string;
}

interface Envelope {
  ok: false;
  error: { code: ErrorCode; exitCode: number; message: string; where?: string; hint?: string };
}

/** With --json: one envelope on stdout whose code maps to the exit code, as src/errors.ts says. */
function expectEnvelope(r: CliResult, code: ErrorCode): Envelope['error'] {
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(ErrorCodes[code]);
  const lines = r.stdout.trimEnd().split('\n');
  expect(lines, r.stdout).toHaveLength(1);
  const envelope = JSON.parse(lines[0] as string) as Envelope;
  expect(envelope).toMatchObject({ ok: false, error: { code, exitCode: ErrorCodes[code] } });
  expect(envelope.error.message).toEqual(expect.any(String));
  expect(r.stderr).not.toMatch(/^\s+at /m);
  return envelope.error;
}

/** Runs the CLI without blocking, so that slow failures (retries) can run side by side. */
function runAsync(w: Workspace, env: NodeJS.ProcessEnv, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: w.dir,
      env: { ...w.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe('usage and spec errors', () => {
  it('an invalid spec exits 4 naming file:line:col and the field, without a stack trace', () => {
    const text = SPEC.replace('count: 2,', 'count: -2,');
    writeFileSync(join(ws.dir, 'invalid.yaml'), text);
    const lines = text.split('\n');
    const line = lines.findIndex((l) => l.includes('count: -2')) + 1;
    const col = (lines[line - 1] as string).indexOf('count') + 1; // the field's key
    const where = `${join(ws.dir, 'invalid.yaml')}:${line}:${col}`;
    for (const command of ['validate', 'plan']) {
      const error = expectOneLineError(ws.run(command, '-c', 'invalid.yaml'), 4);
      expect(error).toContain(`${where}: workers.pools[0].count: `);
    }
    const json = expectEnvelope(ws.run('validate', '-c', 'invalid.yaml', '--json'), 'spec.invalid');
    expect(json.where).toBe(where);
    expect(json.message).toMatch(/^workers\.pools\[0\]\.count: /);
  });

  it('a YAML syntax error exits 4 naming the line', () => {
    writeFileSync(join(ws.dir, 'broken.yaml'), 'cluster:\n  name: [cli\n');
    const error = expectOneLineError(ws.run('validate', '-c', 'broken.yaml'), 4);
    expect(error).toMatch(/broken\.yaml:\d+:\d+: /);
    expectEnvelope(ws.run('validate', '-c', 'broken.yaml', '--json'), 'spec.parse');
  });

  it('a missing spec exits 4 with a hint to run hk8s init', () => {
    for (const command of ['validate', 'plan', 'state list']) {
      const error = expectOneLineError(empty.run(...command.split(' ')), 4);
      expect(error).toContain('hk8s init');
    }
    const json = expectEnvelope(empty.run('plan', '--json'), 'spec.not-found');
    expect(json.hint).toContain('hk8s init');
  });

  it.each([
    { args: ['plan', '--bogus'], says: 'Nonexistent flag: --bogus', help: 'hk8s plan --help' },
    {
      args: ['state', 'events', '--tail', 'many'],
      says: 'Expected an integer but received: many',
      help: 'hk8s state events --help',
    },
    {
      args: ['apply', '--parallelism', '0'],
      says: 'Expected an integer greater than or equal to 1',
      help: 'hk8s apply --help',
    },
    // The argument's name is on the second line of oclif's message: it must not be lost.
    { args: ['state', 'show'], says: 'Missing 1 required arg: address', help: 'hk8s state show --help' },
    { args: ['state', 'show', 'a', 'b'], says: 'Unexpected argument: b', help: 'hk8s state show --help' },
  ])('bad usage ($args) exits 3 in one line that says what is wrong', ({ args, says, help }) => {
    const error = expectOneLineError(ws.run(...args), 3);
    expect(error).toContain(says);
    expect(error).toContain(help);
    const json = expectEnvelope(ws.run(...args, '--json'), 'usage');
    expect(json.message).toContain(says);
    expect(json.hint).toContain(help);
  });

  // oclif's own exit code for an unknown command is 2, the code of "plan has changes"; hk8s's
  // command_not_found hook makes it a usage error.
  it('an unknown command exits 3, not 2, and suggests the nearest command', () => {
    expect(expectOneLineError(ws.run('stat'), 3)).toContain('hk8s status');
  });

  it('a bad option value of a command without --json exits 3 too', () => {
    const error = expectOneLineError(ws.run('graph', '--format', 'svg'), 3);
    expect(error).toContain('Expected --format=svg to be one of: dot, mermaid');
    expect(error).toContain('hk8s graph --help');
  });
});

describe('errors of a cluster on the sandbox', () => {
  it('apply with no terminal and no --auto-approve exits 11 and changes nothing', async () => {
    const r = ws.run('apply', '--sandbox');
    const error = expectOneLineError(r, 11);
    expect(error).toContain('--auto-approve');
    expect(r.stdout).toContain('server.wk.1'); // the plan was shown before asking
    expectEnvelope(ws.run('apply', '--sandbox', '--json'), 'run.not-confirmed');
    expect(inventory(await world(sandboxDir)).filter((o) => o.labels['hk8s.io/cluster'] === 'cli')).toEqual(
      [],
    );
    const events = ws.run('state', 'events', '--json');
    expect(events.code, events.stderr).toBe(0);
    expect((JSON.parse(events.stdout) as Array<{ type: string }>).map((e) => e.type)).not.toContain(
      'RunStarted',
    );
  });

  it('plan --detailed-exitcode exits 2 with changes and 0 without', () => {
    const before = ws.run('plan', '--sandbox', '--detailed-exitcode');
    expect(before.code, before.stderr).toBe(2);
    const apply = ws.run('apply', '--sandbox', '--auto-approve');
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    const after = ws.run('plan', '--sandbox', '--detailed-exitcode');
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).toContain('No changes');
    expect(ws.run('plan', '--sandbox').code).toBe(0); // without the flag, changes are not a failure
    ws.writeSpec(MORE_WORKERS);
    try {
      const changed = ws.run('plan', '--sandbox', '--detailed-exitcode');
      expect(changed.code, changed.stderr).toBe(2);
      expect(changed.stdout).toContain('server.wk.3');
      expect(ws.run('plan', '--sandbox').code).toBe(0);
    } finally {
      ws.writeSpec(SPEC);
    }
  });

  it('state show of an unknown address exits 12', () => {
    const error = expectOneLineError(ws.run('state', 'show', 'server.nope.1'), 12);
    expect(error).toContain('server.nope.1');
    expect(error).toContain('hk8s state list');
    expect(expectEnvelope(ws.run('state', 'show', 'server.nope.1', '--json'), 'state.not-found').where).toBe(
      'server.nope.1',
    );
  });

  it('a lock held by a live process exits 6 naming the holder; state unlock --force clears it', () => {
    const holder = `${userInfo().username}-test@${hostname()}`;
    const lock = {
      holder,
      pid: process.pid, // this test process: alive, on this host
      host: hostname(),
      startedAt: '2026-01-02T03:04:05.000Z',
      command: 'apply',
    };
    writeFileSync(lockPath(), `${JSON.stringify(lock)}\n`);
    const before = readFileSync(logPath(), 'utf8');
    try {
      const error = expectOneLineError(ws.run('apply', '--sandbox', '--auto-approve'), 6);
      expect(error).toContain(holder);
      expect(error).toContain(`pid ${process.pid}`);
      const json = expectEnvelope(
        ws.run('apply', '--sandbox', '--auto-approve', '--json'),
        'state.lock-held',
      );
      expect(json.message).toContain(holder);
      expect(readFileSync(logPath(), 'utf8')).toBe(before);

      // A live holder on this host is not broken without --force.
      expect(expectOneLineError(ws.run('state', 'unlock'), 6)).toContain(`pid ${process.pid}`);
      expect(existsSync(lockPath())).toBe(true);
      const unlocked = ws.run('state', 'unlock', '--force');
      expect(unlocked.code, unlocked.stderr).toBe(0);
      expect(unlocked.stdout).toContain(holder);
      expect(existsSync(lockPath())).toBe(false);
      expect(ws.run('apply', '--sandbox', '--auto-approve').code).toBe(0);
    } finally {
      if (existsSync(lockPath())) ws.run('state', 'unlock', '--force');
    }
  });

  it('a log damaged mid-file exits 5 naming the line, for readers and writers, and is left as it was', () => {
    const good = readFileSync(logPath(), 'utf8');
    const lines = good.split('\n');
    expect(lines.length).toBeGreaterThan(6);
    lines[4] = (lines[4] as string).replace('"type":"', '"type":"X');
    const damaged = lines.join('\n');
    writeFileSync(logPath(), damaged);
    try {
      for (const args of [
        ['state', 'list'],
        ['state', 'verify'],
        ['plan', '--sandbox'],
        ['apply', '--sandbox', '--auto-approve'],
      ]) {
        expect(expectOneLineError(ws.run(...args), 5)).toContain('events.jsonl:5');
      }
      const json = expectEnvelope(ws.run('state', 'list', '--json'), 'state.corrupt');
      expect(json.where).toBe(`${logPath()}:5`);
      expect(readFileSync(logPath(), 'utf8')).toBe(damaged);
    } finally {
      writeFileSync(logPath(), good);
    }
  });

  it('a torn last line is a warning: commands still work, and the next write removes it', () => {
    const good = readFileSync(logPath(), 'utf8');
    const seq = good.trimEnd().split('\n').length + 1;
    appendFileSync(logPath(), `{"v":1,"seq":${seq},"time":"2026-`);
    const list = ws.run('state', 'list');
    expect(list.code, list.stderr).toBe(0);
    expect(list.stderr).toMatch(/^Warning: .*events\.jsonl.*cut short/m);
    expect(ws.run('state', 'verify').code).toBe(0);
    const plan = ws.run('plan', '--sandbox', '--detailed-exitcode');
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stderr).toMatch(/^Warning: .*cut short/m);

    ws.writeSpec(SPEC.replace('tier: general', 'tier: batch'));
    try {
      const apply = ws.run('apply', '--sandbox', '--auto-approve');
      expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    } finally {
      ws.writeSpec(SPEC);
    }
    const after = readFileSync(logPath(), 'utf8');
    expect(after.startsWith(good)).toBe(true);
    expect(after.endsWith('}\n')).toBe(true);
    const verify = ws.run('state', 'verify');
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stderr).not.toContain('Warning');
  });
});

describe('the Hetzner token', () => {
  const FAKE_TOKEN = 'hk8sFAKEtoken0123456789abcdefRECOGNISABLE0123456789abcdefghijklmn';

  it('no HCLOUD_TOKEN without --sandbox exits 10 with a hint to set it or use --sandbox', () => {
    const hetzner = workspace({ sandboxDir });
    hetzner.writeSpec(SPEC);
    const error = expectOneLineError(hetzner.run('plan'), 10);
    expect(error).toContain('HCLOUD_TOKEN');
    expect(error).toContain('--sandbox');
    expect(error).not.toMatch(/[A-Za-z0-9_-]{32,}/); // nothing that looks like a token
    const json = expectEnvelope(hetzner.run('plan', '--json'), 'provider.auth');
    expect(`${json.message} ${json.hint}`).not.toMatch(/[A-Za-z0-9_-]{32,}/);
  });

  it('a set token never appears in any output, even when the endpoint cannot be reached', async () => {
    const hetzner = workspace({ sandboxDir });
    hetzner.writeSpec(SPEC);
    const env = { HCLOUD_TOKEN: FAKE_TOKEN, HCLOUD_ENDPOINT: 'http://127.0.0.1:9/v1', HK8S_DEBUG: '1' };
    const [text, json] = await Promise.all([
      runAsync(hetzner, env, 'plan'),
      runAsync(hetzner, env, 'plan', '--json'),
    ]);
    expect(expectOneLineError(text, 10)).toContain('127.0.0.1:9');
    expectEnvelope(json, 'provider.unreachable');
    for (const r of [text, json]) {
      expect(r.stdout + r.stderr).not.toContain(FAKE_TOKEN);
      expect(r.stdout + r.stderr).not.toContain('RECOGNISABLE');
    }
  });
});

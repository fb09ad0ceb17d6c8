/**
 * Fuzz of hk8s.yaml (issue 12 "Hostile input"): mutations of the example specs and test fixtures,
 * wrong types, huge values, unknown keys, alias bombs, invalid UTF-8 and a 10 MB file. Every case
 * is either a valid spec or a spec error (exit 4) whose every line is positioned at the file;
 * never another exception, and nothing but the spec file is ever in the directory.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ExitCode, Hk8sError } from '../../src/errors.js';
import { loadSpec } from '../../src/spec/load.js';
import { mutateStructure } from './mutate.js';
import { FUZZ_SEED, Prng, reportCases } from './prng.js';

const SEEDS = [
  ...readdirSync('examples').map((name) => path.join('examples', name)),
  ...readdirSync('test/fixtures')
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => path.join('test/fixtures', name)),
].map((file) => ({ file, text: readFileSync(file, 'utf8') }));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hk8s-fuzz-spec-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Outcome = 'valid' | 'invalid';

/** Loads `content` as hk8s.yaml and checks the oracle; returns which way it went. */
async function check(content: string | Buffer, what: string): Promise<Outcome> {
  const file = path.join(dir, 'hk8s.yaml');
  await writeFile(file, content);
  let outcome: Outcome;
  try {
    const loaded = await loadSpec({ cwd: dir });
    expect(loaded.hash, what).toMatch(/^[0-9a-f]{64}$/);
    outcome = 'valid';
  } catch (error) {
    if (!(error instanceof Hk8sError)) {
      throw new Error(`${what}: not an hk8s error: ${error instanceof Error ? error.stack : String(error)}`);
    }
    expect(error.exitCode, `${what}: ${error.oneLine()}`).toBe(ExitCode.INVALID_SPEC);
    for (const line of error.oneLine().split('\n')) {
      // Each line names the file with a line and column (a "… and N more" line names none).
      if (line.startsWith('…')) continue;
      expect(line, what).toMatch(new RegExp(`^${file.replace(/[.\\]/g, '\\$&')}:\\d+:\\d+: `));
    }
    expect(error.oneLine().length, what).toBeLessThan(20_000);
    outcome = 'invalid';
  }
  expect(await readdir(dir), `${what}: wrote something`).toEqual(['hk8s.yaml']);
  return outcome;
}

const UNKNOWN_KEYS = ['clustr', 'contolPlane', 'workrs', 'nmae', 'lables', 'zzz', 'apiversion', 'network2'];

/** Text-level mutations of a seed spec. */
function mutateText(text: string, prng: Prng): { text: string; edit: string } {
  const lines = text.split('\n');
  const at = prng.int(lines.length);
  const line = lines[at] ?? '';
  const indent = /^\s*/.exec(line)?.[0] ?? '';
  const kind = prng.int(7);
  switch (kind) {
    case 0:
      lines.splice(at, 1);
      return { text: lines.join('\n'), edit: `delete line ${at + 1}` };
    case 1:
      lines.splice(at, 0, line);
      return { text: lines.join('\n'), edit: `duplicate line ${at + 1}` };
    case 2:
      lines[at] = ` ${line}`;
      return { text: lines.join('\n'), edit: `indent line ${at + 1}` };
    case 3:
      lines.splice(
        at,
        0,
        `${indent}${prng.pick(UNKNOWN_KEYS)}: ${prng.pick(['1', 'x', '[]', '{}', 'null'])}`,
      );
      return { text: lines.join('\n'), edit: `unknown key before line ${at + 1}` };
    case 4: {
      const cut = prng.int(text.length);
      return { text: text.slice(0, cut), edit: `cut at byte ${cut}` };
    }
    case 5: {
      const pos = prng.int(text.length);
      const insert = prng.pick([
        ':',
        '-',
        '[',
        '{',
        '"',
        "'",
        '&x ',
        '*x ',
        '!!binary ',
        '\t',
        '\u0000',
        '%',
      ]);
      return {
        text: text.slice(0, pos) + insert + text.slice(pos),
        edit: `insert ${JSON.stringify(insert)} at ${pos}`,
      };
    }
    default:
      lines[at] = line.replace(
        /:\s.*$/,
        `: ${prng.pick(['-5', '99999999999999999999', 'true', '~', '"ü"', '[a, b]', '{a: 1}'])}`,
      );
      return { text: lines.join('\n'), edit: `value of line ${at + 1}` };
  }
}

function aliasBomb(prng: Prng): string {
  const fan = 2 + prng.int(9);
  const depth = 2 + prng.int(6);
  const rows = [`l0: &l0 [${Array(fan).fill('"lol"').join(', ')}]`];
  for (let level = 1; level < depth; level++) {
    rows.push(
      `l${level}: &l${level} [${Array(fan)
        .fill(`*l${level - 1}`)
        .join(', ')}]`,
    );
  }
  const name = prng.int(2) === 0 ? `*l${depth - 1}` : `*undefined${prng.int(9)}`;
  return `${rows.join('\n')}\ncluster:\n  name: demo\n  domain: ${name}\ncontrolPlane:\n  pools:\n    - { name: cp, location: fsn1, type: cpx22 }\n`;
}

function invalidUtf8(text: string, prng: Prng): Buffer {
  const bytes = Buffer.from(text);
  const at = prng.int(bytes.length);
  const bad = Buffer.from(
    prng.pick([[0xff], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]]),
  );
  return Buffer.concat([bytes.subarray(0, at), bad, bytes.subarray(at)]);
}

describe(`fuzz: hk8s.yaml (seed ${FUZZ_SEED})`, () => {
  it('every mutated spec is valid or a positioned spec error, and nothing is written', async () => {
    const prng = new Prng(FUZZ_SEED);
    const counts: Record<string, number> = {};
    const outcomes = { valid: 0, invalid: 0 };
    const run = async (kind: string, content: string | Buffer, what: string): Promise<void> => {
      counts[kind] = (counts[kind] ?? 0) + 1;
      outcomes[await check(content, `${kind}: ${what}`)] += 1;
    };
    for (const seed of SEEDS) await run('seed', seed.text, seed.file);
    for (let i = 0; i < 200; i++) {
      const seed = prng.pick(SEEDS);
      const mutated = mutateText(seed.text, prng);
      await run('text', mutated.text, `${seed.file}: ${mutated.edit}`);
    }
    for (let i = 0; i < 200; i++) {
      const seed = prng.pick(SEEDS);
      const mutated = mutateStructure(parse(seed.text) as unknown, prng);
      await run('structure', stringify(mutated.value), `${seed.file}: ${mutated.edit}`);
    }
    for (let i = 0; i < 40; i++) await run('alias', aliasBomb(prng), `alias bomb ${i}`);
    for (let i = 0; i < 40; i++) {
      const seed = prng.pick(SEEDS);
      await run('utf8', invalidUtf8(seed.text, prng), `${seed.file}: invalid UTF-8 ${i}`);
    }
    const huge = 'a'.repeat(10 * 1024 * 1024);
    await run('10MB', `cluster:\n  name: ${huge}\ncontrolPlane:\n  pools: []\n`, 'a 10 MB name');
    await run('10MB', `${huge}: 1\n`, 'a 10 MB key');
    reportCases('hk8s.yaml', counts, outcomes);
    // The mutations must reach both sides of the oracle, or the suite proves little.
    expect(outcomes.valid).toBeGreaterThan(20);
    expect(outcomes.invalid).toBeGreaterThan(200);
  }, 120_000);
});

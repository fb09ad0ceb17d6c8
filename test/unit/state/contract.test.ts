import { copyFile, mkdir, readFile, readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { contractSchemas } from '../../../src/state/event-schema.js';
import { EVENT_TYPES, type StoredEvent } from '../../../src/state/events.js';
import { LOG_FILE, openState } from '../../../src/state/log-store.js';
import { pendingRun } from '../../../src/state/reducer.js';
import { verifyEvents } from '../../../src/state/verify.js';
import { SCHEMAS_DIR } from '../../../src/state/write-contract.js';
import { tempDir } from './helpers.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const samplesRoot = join(root, 'state', 'samples');

async function sampleFiles(): Promise<string[]> {
  const files: string[] = [];
  for (const version of (await readdir(samplesRoot)).filter((name) => /^v\d+$/.test(name))) {
    for (const name of await readdir(join(samplesRoot, version))) {
      if (name.endsWith('.jsonl')) files.push(join(version, name));
    }
  }
  return files.sort();
}

const samples = await sampleFiles();

/** A sample copied into a cluster directory, opened as hk8s opens a log. */
async function openSample(sample: string) {
  const dir = join(await tempDir(), '.hk8s', 'sample');
  await mkdir(dir, { recursive: true });
  await copyFile(join(samplesRoot, sample), join(dir, LOG_FILE));
  return openState(dir);
}

describe('state/samples', () => {
  it('has samples of format 1, covering every event type', async () => {
    expect(samples).toContain('v1/apply-resume.jsonl');
    const types = new Set<string>();
    for (const sample of samples)
      for (const event of (await openSample(sample)).events) types.add(event.type);
    expect([...types].sort()).toEqual([...EVENT_TYPES].sort());
  });

  it.each(samples)('%s replays without warnings and verifies', async (sample) => {
    const { events, warnings, state } = await openSample(sample);
    expect(warnings).toEqual([]);
    expect(events.length).toBeGreaterThan(0);
    expect(state.head.seq).toBe(events.length);
    expect(verifyEvents(events)).toMatchObject({ ok: true, problems: [] });
  });

  it('apply-resume: the crashed apply is resumed, then one server destroyed', async () => {
    const { state } = await openSample('v1/apply-resume.jsonl');
    expect(state.cluster).toBe('demo');
    expect(state.runOrder).toHaveLength(3);
    const [apply, resume, destroy] = state.runOrder.map((id) => state.runs[id]!);
    expect(apply?.finished).toBeUndefined();
    expect(apply?.actions.a4?.status).toBe('started');
    expect(resume?.actions.a4).toMatchObject({ status: 'succeeded', adopted: true });
    expect(destroy?.command).toBe('destroy');
    expect(pendingRun(state)).toBeUndefined();
    expect(Object.keys(state.resources).sort()).toEqual([
      'firewall.main',
      'network.main',
      'server.control-plane-fsn.1',
      'talos.cluster',
      'talos.node.control-plane-fsn.1',
    ]);
    expect(Object.keys(state.secrets)).toEqual(['talos.secrets']);
  });

  it('failure-interrupt-forget: the interrupted second apply is pending', async () => {
    const { state } = await openSample('v1/failure-interrupt-forget.jsonl');
    expect(pendingRun(state)?.id).toBe(state.runOrder[1]);
    expect(Object.keys(state.resources)).toEqual(['network.main']);
  });
});

describe('state/schemas', () => {
  const generated = contractSchemas();

  it('are exactly the freshly generated ones (run `npx tsx src/state/write-contract.ts`)', async () => {
    const committed = (await readdir(join(root, SCHEMAS_DIR))).sort();
    expect(committed).toEqual(Object.keys(generated).sort());
    for (const name of committed) {
      const text = await readFile(join(root, SCHEMAS_DIR, name), 'utf8');
      expect(JSON.parse(text), name).toEqual(generated[name]);
    }
  });

  it('validate every sample event, by type and as an envelope (the schemas of its version)', async () => {
    const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
    const ajv = addFormats(new Ajv2020({ allErrors: true, strict: false }));
    const validators = new Map<string, ReturnType<typeof ajv.compile>>();
    const validator = async (version: string, name: string) => {
      const key = `${version}/${name}`;
      if (!validators.has(key)) {
        const path = join(root, 'state', 'schemas', version, `${name}.schema.json`);
        validators.set(key, ajv.compile(JSON.parse(await readFile(path, 'utf8')) as object));
      }
      return validators.get(key)!;
    };

    let checked = 0;
    for (const sample of samples) {
      const version = sample.split('/')[0]!;
      const lines = (await readFile(join(samplesRoot, sample), 'utf8')).split('\n').filter(Boolean);
      for (const line of lines) {
        const event = JSON.parse(line) as StoredEvent;
        for (const validate of [await validator(version, event.type), await validator(version, 'envelope')]) {
          expect(validate(event), `${sample} seq ${event.seq}: ${ajv.errorsText(validate.errors)}`).toBe(
            true,
          );
        }
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(30);
  });

  it('reject an event with an unwrapped secret or an extra field', async () => {
    const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
    const ajv = addFormats(new Ajv2020({ strict: false }));
    const validate = ajv.compile(generated['SecretStored.schema.json'] as object);
    const event = {
      v: 1,
      seq: 2,
      time: '2026-01-01T00:00:00.000Z',
      type: 'SecretStored',
      run: null,
      prev: 'a'.repeat(64),
      data: { name: 'n', value: { $secret: 's' } },
    };
    expect(validate(event)).toBe(true);
    expect(validate({ ...event, data: { name: 'n', value: 's' } })).toBe(false);
    expect(validate({ ...event, hash: 'x' })).toBe(false);
  });
});

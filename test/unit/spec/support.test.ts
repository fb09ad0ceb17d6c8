/**
 * Every field of the spec's JSON Schema (first-party addons included) is either applied, shown by
 * a test that exercises it, or in the "not supported yet" table (src/spec/support.ts) that
 * `validate` refuses. A new field that is neither fails here, and so does a stale entry.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { specJsonSchema } from '../../../src/spec/json-schema.js';
import type { AddonSettingsSchemas } from '../../../src/spec/sections/addons.js';
import { NOT_YET_FIELDS, type NotYetField } from '../../../src/spec/support.js';
import { firstPartySchemas } from '../../support/first-party-addons.js';
import { FIELDS_WITH_EFFECT } from '../../support/field-effects.js';
import { BASE, issuesOf } from './helpers.js';

/**
 * Applied fields whose effect is not a planner output of test/support/field-effects.ts (or that
 * have only one allowed value), with the test that exercises them. The test file must exist and
 * name the field's last key.
 */
const APPLIED_ELSEWHERE: Record<string, string> = {
  $schema: 'test/unit/spec/json-schema.test.ts',
  apiVersion: 'test/unit/spec/schema.test.ts',
  'hcloud.token.env': 'test/unit/cli/token.test.ts',
  'hcloud.token.file': 'test/unit/cli/token.test.ts',
  'hcloud.endpoint': 'test/e2e/week-one.test.ts',
  'cluster.kubeconfigPath': 'test/e2e/week-one.test.ts',
  'cluster.talosconfigPath': 'test/e2e/week-one.test.ts',
  // Validation forces every location into the zone, so the zone is always the derived one.
  'network.zone': 'test/unit/spec/schema.test.ts',
  'workers.pools[].upgrade.maxUnavailable': 'test/unit/plan/talos-upgrades.test.ts',
  // Only an upgrade shows it (a fresh plan has none): surge servers come and go around one.
  'workers.pools[].upgrade.maxSurge': 'test/unit/plan/surge.test.ts',
  // json_lines is the only format there is.
  'talos.loggingDestinations[].format': 'test/unit/talos/config/schema.test.ts',
};

type Node = Record<string, unknown>;

/** Leaf field paths of a JSON Schema: `a.b`, `a.list[].c`; maps and scalars are leaves. */
function leavesOf(schema: Node): string[] {
  const defs = (schema.$defs ?? {}) as Record<string, Node>;
  const out = new Set<string>();
  const walk = (input: Node, path: string): void => {
    const node = typeof input.$ref === 'string' ? (defs[input.$ref.replace('#/$defs/', '')] ?? {}) : input;
    const alternatives = (node.anyOf ?? node.oneOf) as Node[] | undefined;
    const objects = alternatives?.filter((alt) => alt.properties || alt.$ref);
    if (objects && objects.length > 0) {
      for (const alt of objects) walk(alt, path);
      return;
    }
    if (node.properties) {
      for (const [key, child] of Object.entries(node.properties as Record<string, Node>)) {
        walk(child, path ? `${path}.${key}` : key);
      }
      return;
    }
    const items = node.items as Node | undefined;
    if (node.type === 'array' && items && (items.properties || items.$ref)) {
      walk(items, `${path}[]`);
      return;
    }
    out.add(path);
  };
  walk(schema, '');
  return [...out];
}

/** The schema node at a leaf path (first matching alternative), to read its default. */
function nodeAt(schema: Node, path: string): Node | undefined {
  const defs = (schema.$defs ?? {}) as Record<string, Node>;
  const resolve = (node: Node): Node =>
    typeof node.$ref === 'string' ? (defs[node.$ref.replace('#/$defs/', '')] ?? {}) : node;
  let nodes: Node[] = [schema];
  for (const part of path.split('.')) {
    const match = /^(.*?)((?:\[\])*)$/.exec(part);
    const key = match?.[1] ?? part;
    const next: Node[] = [];
    for (const raw of nodes) {
      const node = resolve(raw);
      for (const alt of [node, ...((node.anyOf ?? node.oneOf ?? []) as Node[]).map(resolve)]) {
        const child = (alt.properties as Record<string, Node> | undefined)?.[key];
        if (child) next.push(resolve(child));
      }
    }
    nodes = next;
    for (let n = 0; n < (match?.[2]?.length ?? 0) / 2; n++) {
      nodes = nodes.map((node) => resolve((node.items as Node | undefined) ?? {}));
    }
  }
  return nodes[0];
}

function notYetEntryFor(leaf: string): NotYetField | undefined {
  return NOT_YET_FIELDS.find(
    (field) => leaf === field.path || leaf.startsWith(`${field.path}.`) || leaf.startsWith(`${field.path}[`),
  );
}

function unclassified(leaves: readonly string[]): string[] {
  return leaves.filter(
    (leaf) =>
      notYetEntryFor(leaf) === undefined &&
      !FIELDS_WITH_EFFECT.includes(leaf) &&
      !(leaf in APPLIED_ELSEWHERE),
  );
}

let schemas: AddonSettingsSchemas;
let schema: Node;
let leaves: string[];
beforeAll(async () => {
  schemas = await firstPartySchemas();
  schema = specJsonSchema(schemas);
  leaves = leavesOf(schema);
});

describe('every spec field is applied or refused as not supported yet', () => {
  it('finds the fields of the schema', () => {
    expect(leaves.length).toBeGreaterThan(200);
    expect(leaves).toContain('workers.pools[].keepDisk');
    expect(leaves).toContain('addons.cilium.hubble.ui');
  });

  it('classifies every field', () => {
    expect(unclassified(leaves)).toEqual([]);
  });

  it('would catch a field added without a classification', () => {
    const grown = structuredClone(schema);
    const cluster = (grown.properties as Record<string, Node>).cluster as Node;
    (cluster.properties as Record<string, Node>).brandNew = { type: 'boolean' };
    expect(unclassified(leavesOf(grown))).toEqual(['cluster.brandNew']);
  });

  it('lists no field as both applied and not supported yet', () => {
    const both = [...FIELDS_WITH_EFFECT, ...Object.keys(APPLIED_ELSEWHERE)].filter((leaf) =>
      notYetEntryFor(leaf),
    );
    expect(both).toEqual([]);
  });

  it('has no stale entries: every listed field is in the schema', () => {
    const applied = [...FIELDS_WITH_EFFECT, ...Object.keys(APPLIED_ELSEWHERE)];
    expect(applied.filter((leaf) => !leaves.includes(leaf))).toEqual([]);
    const stale = NOT_YET_FIELDS.filter((field) => !leaves.some((leaf) => notYetEntryFor(leaf) === field));
    expect(stale.map((field) => field.path)).toEqual([]);
  });

  it.each(Object.entries(APPLIED_ELSEWHERE))('%s is exercised by %s', (leaf, file) => {
    expect(existsSync(file), `${file} does not exist`).toBe(true);
    const key = leaf.split('.').pop()?.replace(/\[\]$/, '') ?? leaf;
    expect(readFileSync(file, 'utf8')).toContain(key);
  });

  it.each(NOT_YET_FIELDS.map((field) => [field.path, field] as const))(
    '%s: the accepted value is the schema default',
    (path, field) => {
      const node = nodeAt(schema, path);
      expect(node, `${path} is not in the JSON Schema`).toBeDefined();
      expect(node?.default).toEqual(field.default);
    },
  );
});

describe('validate refuses not-yet fields unless they are at their default', () => {
  const refuse = { refuseNotYet: true };
  const worker = `workers:\n  pools:\n    - name: w\n      location: fsn1\n      type: cpx22\n`;

  it('names the field, its position, why, and what to do', () => {
    const issues = issuesOf(`${BASE}${worker}      keepDisk: true\n`, refuse);
    expect(issues).toEqual([
      {
        path: 'workers.pools[0].keepDisk',
        line: 13,
        column: 7,
        message: expect.stringMatching(
          /^is not supported yet \(a server-type change always keeps the disk size today; .*\); remove it, or set it to false$/,
        ),
      },
    ]);
  });

  it('accepts the default written out, and values that say what hk8s does anyway', () => {
    const text = `${BASE}${worker}      keepDisk: false\nfirewall:\n  useCurrentIpv6: false\nautoscaler:\n  pools: []\n`;
    expect(issuesOf(text, refuse)).toEqual([]);
  });

  it('refuses a whole not-yet section once, at the section', () => {
    const text = `${BASE}bareMetal:\n  pools:\n    - name: bm\n      servers: [{ number: 1, privateIpv4: 10.0.88.2 }]\n`;
    const issues = issuesOf(text, refuse);
    expect(issues.map((issue) => [issue.path, issue.line])).toEqual([['bareMetal.pools', 9]]);
    expect(issues[0]?.message).toMatch(/Hetzner Robot dedicated servers are not built/);
  });

  it('lists them with every other problem, in file order, and a wrong value only as wrong', () => {
    const text = [
      'clustr:',
      '  name: demo',
      'controlPlane:',
      '  pools:',
      '    - name: cp',
      '      location: fsn9',
      '      type: cpx22',
      '      keepDisk: maybe',
      '      backups: true',
      'talos:',
      '  applyMode: staged',
      '',
    ].join('\n');
    expect(issuesOf(text, refuse).map((issue) => `${issue.line}:${issue.column} ${issue.path}`)).toEqual([
      '1:1 clustr',
      '6:7 controlPlane.pools[0].location',
      '8:7 controlPlane.pools[0].keepDisk',
      '9:7 controlPlane.pools[0].backups',
      '11:3 talos.applyMode',
    ]);
  });

  it('is off for specs built by tests of the planners (validateSpec without the option)', () => {
    expect(issuesOf(`${BASE}talos:\n  applyMode: staged\n`)).toEqual([]);
  });
});

const DOCS = 'docs/spec.md';
const START = '<!-- not-yet:start (generated from src/spec/support.ts by test/unit/spec/support.test.ts) -->';
const END = '<!-- not-yet:end -->';

function notYetMarkdown(): string {
  const rows = NOT_YET_FIELDS.map((field) => {
    const accepted = [field.default, ...(field.alsoAccepted ?? [])]
      .map((value) => (value === undefined ? 'unset' : `\`${JSON.stringify(value)}\``))
      .join(', ');
    return `| \`${field.path}\` | ${accepted} | ${field.reason} |`;
  });
  return [START, '| Field | Accepted | Why not yet |', '|---|---|---|', ...rows, END].join('\n');
}

describe('docs/spec.md', () => {
  it('lists the not-yet fields as the table has them (HK8S_WRITE_DOCS=1 rewrites the section)', () => {
    const text = readFileSync(DOCS, 'utf8');
    const start = text.indexOf(START);
    const end = text.indexOf(END);
    expect(start, `${DOCS} has no generated not-yet section`).toBeGreaterThan(0);
    const current = text.slice(start, end + END.length);
    if (process.env.HK8S_WRITE_DOCS === '1') {
      writeFileSync(DOCS, text.replace(current, notYetMarkdown()));
      return;
    }
    expect(current).toBe(notYetMarkdown());
  });

  it('marks every not-yet field in its section table as not applied', () => {
    const text = readFileSync(DOCS, 'utf8');
    const body = text.slice(0, text.indexOf(START)) + text.slice(text.indexOf(END));
    const rows = body.split('\n').filter((line) => line.startsWith('| `'));
    for (const field of NOT_YET_FIELDS) {
      // The row of the field itself, or of the object it is part of (`upgrade` for talos.upgrade.debug).
      const keys = field.path
        .split('.')
        .map((key) => key.replace(/\[\]$/, ''))
        .slice(-2);
      const marked = rows.some(
        (row) =>
          keys.some((key) => (row.split('|')[1] ?? '').includes(key)) && row.includes('Not supported yet'),
      );
      expect(marked, `${field.path}: no row of ${DOCS} for it says "Not supported yet"`).toBe(true);
    }
  });
});

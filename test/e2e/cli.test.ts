/**
 * The built CLI as a user meets it: help, version, init/validate/schema, and the plan, apply, graph
 * and state commands against a sandbox process. The flag list below is a reviewed snapshot: a
 * change to any command's flags must change it too.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxDirFor, workspace, type CliResult, type Workspace } from '../support/cli.js';

const SPEC = readFileSync('test/fixtures/cli/small.yaml', 'utf8');
const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

interface ManifestFlag {
  name: string;
  char?: string;
}
interface ManifestCommand {
  id: string;
  summary?: string;
  examples?: Array<string | { description: string; command: string }>;
  flags: Record<string, ManifestFlag>;
}
const MANIFEST = JSON.parse(readFileSync('oclif.manifest.json', 'utf8')) as {
  commands: Record<string, ManifestCommand>;
};
const COMMANDS = Object.values(MANIFEST.commands).sort((a, b) => a.id.localeCompare(b.id));

/** Every command and its flags, as `--name` or `-c, --name`. Review changes to this list. */
const FLAG_SNAPSHOT: Record<string, string[]> = {
  apply: [
    '--accept-endpoint',
    '--accept-missing',
    '--auto-approve',
    '--force',
    '--json',
    '--parallelism',
    '--replace',
    '--sandbox',
    '--target',
    '-c, --config',
  ],
  destroy: [
    '--accept-endpoint',
    '--auto-approve',
    '--include-images',
    '--include-volumes',
    '--json',
    '--parallelism',
    '--sandbox',
    '-c, --config',
  ],
  'image:build': ['--arch', '--auto-approve', '--json', '--sandbox', '-c, --config'],
  'image:delete': [
    '--arch',
    '--auto-approve',
    '--json',
    '--sandbox',
    '--schematic',
    '--talos-version',
    '--unused',
    '-c, --config',
  ],
  'image:list': ['--json', '--sandbox', '-c, --config'],
  graph: ['--destroy', '--format', '--json', '--replace', '--sandbox', '--target', '-c, --config'],
  init: ['--dir', '--force', '--json', '--name', '--sandbox', '-c, --config'],
  plan: [
    '--accept-endpoint',
    '--accept-missing',
    '--destroy',
    '--detailed-exitcode',
    '--force',
    '--json',
    '--replace',
    '--sandbox',
    '--target',
    '-c, --config',
    '-o, --out',
  ],
  kubeconfig: ['--json', '--sandbox', '-c, --config', '-o, --output'],
  resume: [
    '--accept-endpoint',
    '--accept-missing',
    '--auto-approve',
    '--force',
    '--json',
    '--parallelism',
    '--sandbox',
    '-c, --config',
  ],
  'sandbox:reset': ['--json', '--sandbox', '-c, --config'],
  'sandbox:start': [
    '--fault-rate',
    '--json',
    '--port',
    '--rate-limit',
    '--sandbox',
    '--seed',
    '--speed',
    '-c, --config',
  ],
  'sandbox:stats': ['--json', '--sandbox', '-c, --config'],
  'sandbox:status': ['--json', '--sandbox', '-c, --config'],
  'sandbox:stop': ['--json', '--sandbox', '-c, --config'],
  schema: ['--json', '--sandbox', '-c, --config', '-o, --output'],
  show: ['--json', '--sandbox', '-c, --config'],
  status: ['--json', '--sandbox', '-c, --config'],
  talosconfig: ['--hours', '--json', '--sandbox', '-c, --config', '-o, --output'],
  'state:events': ['--json', '--run', '--sandbox', '--tail', '--type', '-c, --config'],
  'state:list': ['--json', '--sandbox', '-c, --config'],
  'state:show': ['--json', '--sandbox', '-c, --config'],
  'state:unlock': ['--force', '--json', '--sandbox', '-c, --config'],
  'state:verify': ['--json', '--sandbox', '-c, --config'],
  validate: ['--force', '--json', '--sandbox', '-c, --config'],
};

/** The commands README documents; the manifest may hold more, and help must list those too. */
const DOCUMENTED = [
  'apply',
  'destroy',
  'graph',
  'init',
  'plan',
  'resume',
  'schema',
  'show',
  'validate',
  ...['events', 'list', 'show', 'unlock', 'verify'].map((c) => `state:${c}`),
  ...['reset', 'start', 'stats', 'status', 'stop'].map((c) => `sandbox:${c}`),
  ...['build', 'list', 'delete'].map((c) => `image:${c}`),
];

const flagLabel = (f: ManifestFlag) => (f.char ? `-${f.char}, --${f.name}` : `--${f.name}`);
const words = (id: string) => id.split(':');

function ok(r: CliResult): string {
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

const sandboxDir = sandboxDirFor('cli');
let fresh: Workspace; // an empty directory: help, init, validate, schema
let ws: Workspace; // a cluster on the sandbox

beforeAll(() => {
  fresh = workspace({ sandboxDir });
  ws = workspace({ sandboxDir });
  ws.writeSpec(SPEC);
});

afterAll(() => {
  ws?.run('sandbox', 'stop');
});

describe('help and version', () => {
  it('knows exactly the commands this test expects', () => {
    expect(COMMANDS.map((c) => c.id).sort()).toEqual(Object.keys(FLAG_SNAPSHOT).sort());
  });

  it('hk8s --help lists every top-level command and topic, and each topic lists its commands', () => {
    const ids = COMMANDS.map((c) => c.id);
    expect(ids).toEqual(expect.arrayContaining(DOCUMENTED));
    const root = ok(fresh.run('--help'));
    const topics = new Set(ids.filter((id) => id.includes(':')).map((id) => id.split(':', 1)[0] as string));
    expect([...topics].sort()).toEqual(['image', 'sandbox', 'state']);
    for (const id of ids.filter((i) => !i.includes(':')))
      expect(root).toMatch(new RegExp(`^\\s+${id}\\s`, 'm'));
    expect(root).toMatch(/^TOPICS$/m);
    for (const topic of topics) {
      expect(root).toMatch(new RegExp(`^\\s+${topic}\\s`, 'm'));
      const help = ok(fresh.run(topic, '--help'));
      for (const id of ids.filter((i) => i.startsWith(`${topic}:`))) {
        expect(help).toMatch(new RegExp(`^\\s+${words(id).join(' ')}\\s`, 'm'));
      }
    }
  });

  it.each(['plan', 'apply'])('hk8s %s --help lists every flag and shows examples', (id) => {
    const help = ok(fresh.run(id, '--help'));
    const flags = Object.values(MANIFEST.commands[id]?.flags ?? {});
    expect(flags.length).toBeGreaterThan(3);
    for (const flag of flags) {
      expect(help).toContain(`--${flag.name}`);
      if (flag.char) expect(help).toContain(`-${flag.char}, --${flag.name}`);
    }
    expect(help).toMatch(/^EXAMPLES$/m);
    expect(help).toContain(`$ hk8s ${id}`);
  });

  it.each(COMMANDS.map((c) => [c.id.replace(':', ' '), c] as const))(
    'hk8s %s --help has a summary and an example',
    (_, command) => {
      expect(command.summary?.trim()).toBeTruthy();
      expect(command.examples?.length ?? 0).toBeGreaterThan(0);
      const help = ok(fresh.run(...words(command.id), '--help'));
      expect(help.startsWith(command.summary ?? '')).toBe(true);
      expect(help).toMatch(/^EXAMPLES$/m);
      expect(help).toContain(`$ hk8s ${words(command.id).join(' ')}`);
    },
  );

  it('every command has exactly the reviewed flags', () => {
    const actual = Object.fromEntries(
      COMMANDS.map((c) => [c.id, Object.values(c.flags).map(flagLabel).sort()]),
    );
    expect(actual).toEqual(FLAG_SNAPSHOT);
  });

  it('hk8s --version prints the package version', () => {
    expect(ok(fresh.run('--version'))).toMatch(new RegExp(`^hk8s/${VERSION.replace(/\./g, '\\.')} `));
  });
});

describe('init, validate and schema', () => {
  const specPath = () => join(fresh.dir, 'hk8s.yaml');
  const schemaPath = () => join(fresh.dir, 'hk8s.schema.json');

  it('init writes hk8s.yaml and hk8s.schema.json', () => {
    const out = ok(fresh.run('init', '--name', 'starter'));
    expect(out).toContain('hk8s.yaml');
    const spec = readFileSync(specPath(), 'utf8');
    expect(spec).toMatch(/^\$schema: \.\/hk8s\.schema\.json$/m);
    expect(spec).toMatch(/^ {2}name: starter$/m);
    const schema = JSON.parse(readFileSync(schemaPath(), 'utf8')) as Record<string, unknown>;
    expect(schema.$schema).toMatch(/json-schema\.org/);
  });

  it('init refuses to overwrite hk8s.yaml without --force, and overwrites with it', () => {
    writeFileSync(specPath(), '# mine\n');
    const refused = fresh.run('init', '--name', 'starter');
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/^Error: .*hk8s\.yaml already exists.*--force/);
    expect(readFileSync(specPath(), 'utf8')).toBe('# mine\n');
    const json = fresh.run('init', '--json');
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { code: 'usage', exitCode: 3 } });
    ok(fresh.run('init', '--name', 'starter', '--force'));
    expect(readFileSync(specPath(), 'utf8')).toMatch(/^ {2}name: starter$/m);
  });

  it('validate passes on the starter spec', () => {
    expect(ok(fresh.run('validate'))).toMatch(/hk8s\.yaml: valid\. Cluster starter:/);
    expect(JSON.parse(ok(fresh.run('validate', '--json')))).toMatchObject({
      valid: true,
      cluster: 'starter',
      specHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('schema --json wraps the same schema in one line', () => {
    const text = ok(fresh.run('schema', '--json'));
    expect(text.trim().split('\n')).toHaveLength(1);
    expect((JSON.parse(text) as { schema: unknown }).schema).toEqual(JSON.parse(ok(fresh.run('schema'))));
  });

  it('schema prints JSON that parses, the same as init wrote', () => {
    const out = ok(fresh.run('schema'));
    const schema = JSON.parse(out) as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['cluster', 'controlPlane', 'workers']),
    );
    expect(out).toBe(readFileSync(schemaPath(), 'utf8'));
  });
});

interface PlanJson {
  cluster: string;
  inputsHash: string;
  summary: Record<string, number>;
  graph: {
    actions: Array<{ id: string; kind: string; address: string; type: string; dependsOn: string[] }>;
  };
}

interface EventJson {
  seq: number;
  type: string;
  run?: string;
  data: Record<string, unknown>;
}

describe('against the sandbox', () => {
  let firstPlan: PlanJson;
  let firstPlanText: string;

  beforeAll(() => {
    ok(ws.run('sandbox', 'start', '--speed', '0.01'));
    firstPlanText = ok(ws.run('plan', '--sandbox', '--json'));
    firstPlan = JSON.parse(firstPlanText) as PlanJson;
  });

  it('plan --json gives byte-identical output when run twice', () => {
    expect(firstPlan.cluster).toBe('cli');
    expect(firstPlan.graph.actions.length).toBeGreaterThan(5);
    expect(ok(ws.run('plan', '--sandbox', '--json'))).toBe(firstPlanText);
  });

  it('graph --format dot has one node per action and one edge per dependency', () => {
    const dot = ok(ws.run('graph', '--sandbox', '--format', 'dot'));
    expect(dot.startsWith('digraph')).toBe(true);
    for (const action of firstPlan.graph.actions) expect(dot).toContain(`"${action.id}" [label=`);
    const edges = firstPlan.graph.actions.reduce((n, a) => n + a.dependsOn.length, 0);
    expect(edges).toBeGreaterThan(0);
    expect(dot.match(/ -> /g)).toHaveLength(edges);
    expect(ok(ws.run('graph', '--sandbox'))).toBe(dot);
  });

  it('graph --format mermaid has one node per action and one edge per dependency', () => {
    const mermaid = ok(ws.run('graph', '--sandbox', '--format', 'mermaid'));
    expect(mermaid.startsWith('flowchart')).toBe(true);
    for (const action of firstPlan.graph.actions) {
      expect(mermaid).toContain(`["${action.kind} ${action.address}"]`);
    }
    const edges = firstPlan.graph.actions.reduce((n, a) => n + a.dependsOn.length, 0);
    expect(mermaid.match(/ --> /g)).toHaveLength(edges);
  });

  it('graph --json lists the actions and their dependencies, one line', () => {
    const text = ok(ws.run('graph', '--sandbox', '--json'));
    expect(text.trim().split('\n')).toHaveLength(1);
    const graph = JSON.parse(text) as {
      cluster: string;
      actions: Array<{ id: string; dependsOn: string[] }>;
    };
    expect(graph.cluster).toBe('cli');
    expect(graph.actions.map((a) => [a.id, a.dependsOn])).toEqual(
      firstPlan.graph.actions.map((a) => [a.id, a.dependsOn]),
    );
  });

  // Apply now also installs the default addons and waits for the cluster to be Ready.
  it('plan --out FILE, show FILE (text and --json), then apply FILE applies exactly that plan', () => {
    const saved = ok(ws.run('plan', '--sandbox', '--out', 'first.plan'));
    expect(saved).toContain('apply first.plan');
    expect(existsSync(join(ws.dir, 'first.plan'))).toBe(true);
    const shown = ok(ws.run('show', 'first.plan'));
    expect(saved.startsWith(shown.trimEnd())).toBe(true);
    expect(JSON.parse(ok(ws.run('show', 'first.plan', '--json')))).toEqual(firstPlan);
    const apply = ok(ws.run('apply', '--sandbox', 'first.plan'));
    expect(apply).toMatch(
      new RegExp(`succeeded: ${firstPlan.graph.actions.length} succeeded, 0 failed, 0 skipped`),
    );
    const again = ws.run('plan', '--sandbox', '--detailed-exitcode');
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toContain('No changes');
  }, 240_000);

  it('kubeconfig --json and talosconfig --json give the text and what it points at', () => {
    const kube = JSON.parse(ok(ws.run('kubeconfig', '--json'))) as { server: string; kubeconfig: string };
    expect(kube.server).toMatch(/^https:\/\/127\.\d+\.\d+\.\d+:6443$/);
    expect(kube.kubeconfig).toContain(`server: ${kube.server}`);
    const talos = JSON.parse(ok(ws.run('talosconfig', '--json', '--hours', '2'))) as {
      endpoints: string[];
      expires: string;
      talosconfig: string;
    };
    expect(talos.endpoints.length).toBeGreaterThan(0);
    const hours = (Date.parse(talos.expires) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(1);
    expect(hours).toBeLessThanOrEqual(2);
    expect(talos.talosconfig).toContain('contexts:');
  });

  it('state list shows every resource the applied plan created, as text and as JSON', () => {
    const typeOf = new Map(firstPlan.graph.actions.map((a) => [a.address, a.type]));
    const created = firstPlan.graph.actions
      .filter((a) => a.kind === 'create')
      .map((a) => a.address)
      .sort();
    expect(created).toEqual(expect.arrayContaining(['network.main', 'server.cp.1', 'server.wk.2']));
    const text = ok(ws.run('state', 'list'));
    for (const address of created) {
      expect(text).toMatch(new RegExp(`^${address.replace(/\./g, '\\.')}\\s`, 'm'));
    }
    expect(text).toMatch(/\d+ resource\(s\); \d+ event\(s\); last run \S+ \(apply, succeeded\)/);
    const json = JSON.parse(ok(ws.run('state', 'list', '--json'))) as {
      cluster: string;
      head: { seq: number; hash: string };
      resources: Array<{ address: string; type: string; id: string }>;
    };
    expect(json.cluster).toBe('cli');
    expect(json.head).toEqual({ seq: expect.any(Number), hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const addresses = json.resources.map((r) => r.address);
    expect(addresses).toEqual([...addresses].sort());
    expect(addresses).toEqual(expect.arrayContaining(created));
    for (const r of json.resources) {
      // Only what the plan acted on; what it created has the type of its create action.
      expect(typeOf.has(r.address), r.address).toBe(true);
      expect(r).toEqual({ address: r.address, type: expect.any(String), id: expect.any(String) });
      if (created.includes(r.address)) expect(r.type).toBe(typeOf.get(r.address));
    }
    expect(text).toContain(`${json.resources.length} resource(s); ${json.head.seq} event(s)`);
  });

  it('state show prints one record, as text and as JSON', () => {
    const list = JSON.parse(ok(ws.run('state', 'list', '--json'))) as {
      resources: Array<{ address: string; type: string; id: string }>;
    };
    const server = list.resources.find((r) => r.address === 'server.wk.1');
    expect(server).toBeDefined();
    const json = JSON.parse(ok(ws.run('state', 'show', 'server.wk.1', '--json'))) as Record<string, unknown>;
    expect(json).toMatchObject({ ...server, attrs: expect.any(Object) });
    expect(JSON.parse(ok(ws.run('state', 'show', 'server.wk.1')))).toEqual(json);
  });

  it('state events prints one line per event, and --json, --type and --tail select them', () => {
    const events = JSON.parse(ok(ws.run('state', 'events', '--json'))) as EventJson[];
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]?.type).toBe('LogCreated');
    expect(events.at(-1)).toMatchObject({ type: 'RunFinished', data: { outcome: 'succeeded' } });
    const lines = ok(ws.run('state', 'events')).trimEnd().split('\n');
    expect(lines).toHaveLength(events.length);
    expect(lines[1]).toMatch(/^\s+2 \S+ TargetRecorded\b/);
    expect(lines[2]).toMatch(/^\s+3 \S+ RunStarted {2}\[\S+\]$/);
    const started = JSON.parse(
      ok(ws.run('state', 'events', '--json', '--type', 'ActionStarted')),
    ) as EventJson[];
    expect(started).toHaveLength(firstPlan.graph.actions.length);
    expect(started.every((e) => e.type === 'ActionStarted')).toBe(true);
    const tail = JSON.parse(ok(ws.run('state', 'events', '--json', '--tail', '2'))) as EventJson[];
    expect(tail.map((e) => e.seq)).toEqual([events.length - 1, events.length]);
  });

  it('state verify checks every event, as text and as JSON', () => {
    const count = (JSON.parse(ok(ws.run('state', 'events', '--json'))) as unknown[]).length;
    expect(ok(ws.run('state', 'verify'))).toContain(`events.jsonl: ${count} event(s) verified.`);
    expect(JSON.parse(ok(ws.run('state', 'verify', '--json')))).toEqual({
      ok: true,
      checked: count,
      problems: [],
    });
  });

  it('never prints the SSH private key (or any other $secret) that the raw log holds', () => {
    const raw = readFileSync(join(ws.dir, '.hk8s', 'cli', 'events.jsonl'), 'utf8');
    const stored = raw
      .split('\n')
      .filter((line) => line.includes('"SecretStored"'))
      .map((line) => JSON.parse(line) as { data: { name: string; value: { $secret: unknown } } });
    const privateKey = stored.find((e) => e.data.name === 'ssh.private-key')?.data.value.$secret;
    expect(typeof privateKey).toBe('string');
    expect(privateKey).toContain('PRIVATE KEY');
    // The key's base64 body: a leak of part of it would not contain the PEM armour.
    const body = (privateKey as string).split('\n').find((l) => l.length > 20 && !l.startsWith('-----'));
    expect(body).toBeDefined();
    // Public keys are wrapped as secrets too, but are shown on purpose (e.g. the SSH key's record).
    const secrets = stored
      .filter((e) => !e.data.name.includes('public'))
      .map((e) => e.data.value.$secret)
      .map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
    expect(secrets.length).toBeGreaterThan(0);

    const outputs = [
      ws.run('state', 'events'),
      ws.run('state', 'events', '--json'),
      ws.run('state', 'events', '--json', '--type', 'SecretStored'),
      ws.run('state', 'show', 'ssh_key.main', '--json'),
      ws.run('state', 'list', '--json'),
      ws.run('plan', '--sandbox', '--json'),
    ];
    for (const r of outputs) {
      expect(r.code, r.stderr).toBe(0);
      const all = r.stdout + r.stderr;
      expect(all).not.toContain(body);
      expect(all).not.toContain('PRIVATE KEY-----');
      for (const secret of secrets) {
        // As printed in text, and as escaped inside a JSON string.
        expect(all).not.toContain(secret);
        expect(all).not.toContain(JSON.stringify(secret).slice(1, -1));
      }
    }
    const shown = JSON.parse(outputs[2]?.stdout ?? '[]') as Array<{ data: { name: string; value: unknown } }>;
    expect(shown).toHaveLength(stored.length);
    for (const e of shown) expect(e.data.value).toEqual({ $secret: '(hidden)' });
  }, 240_000);
});

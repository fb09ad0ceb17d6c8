/**
 * The torture harness: a scenario (a command on a 3 + 3 sandbox cluster, after some preparation)
 * is run once cleanly for its reference, then again with hk8s killing itself (SIGKILL) right
 * after its N-th event (`HK8S_TEST_KILL_AT_EVENT`, src/state/test-kill.ts), followed by one
 * `hk8s resume`. The result must equal the reference: the same normalised Hetzner inventory, no
 * duplicates, nothing unlabelled, etcd bootstrapped once, a log that verifies and an empty plan.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { readTalosState } from '@hk8s/sandbox';
import { workspace, type CliResult, type Workspace } from '../support/cli.js';
import { inventory, world } from '../support/sandbox-client.js';
import { Prng } from '../fuzz/prng.js';

export const CLUSTER = 'torture';
export const SPEED = 0.01;

export function spec(options: { workers?: number; talos?: string } = {}): string {
  return `cluster: { name: ${CLUSTER}, deleteProtection: false }
firewall: { apiSources: [127.0.0.1/32] }
talos: { version: ${options.talos ?? 'v1.13.10'} }
controlPlane:
  pools:
    - { name: cp, location: fsn1, type: cpx22, count: 3 }
workers:
  pools:
    - { name: w, location: fsn1, type: cpx32, count: ${options.workers ?? 3} }
loadBalancers:
  kubeApi: { enabled: true }
`;
}

export interface Scenario {
  name: string;
  /** The spec and runs that bring the cluster to where the scenario starts (not killed). */
  prepare: Array<{ spec: string; args: string[] }>;
  /** The spec the command under torture runs with. */
  spec: string;
  args: string[];
  /** Whether the cluster exists at the end (destroy: no). */
  exists: boolean;
}

type Event = { type: string; data: { resource?: { address: string; id: string } } };

export function events(ws: Workspace): Event[] {
  const file = join(ws.dir, '.hk8s', CLUSTER, 'events.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.endsWith('}'))
    .map((line) => JSON.parse(line) as Event);
}

function ok(r: CliResult, what: string): void {
  expect(r.code, `${what}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`).toBe(0);
}

/** A new project: an empty cloud, a new state directory, the scenario's preparation done. */
export function prepared(sandboxDir: string, scenario: Scenario): Workspace {
  const ws = workspace({ sandboxDir, speed: SPEED });
  ok(ws.run('sandbox', 'reset'), 'sandbox reset');
  for (const step of scenario.prepare) {
    ws.writeSpec(step.spec);
    ok(ws.run(...step.args), `prepare: ${step.args.join(' ')}`);
  }
  ws.writeSpec(scenario.spec);
  return ws;
}

/** What must match: every managed object's kind, name and labels, sorted. */
export async function normalisedInventory(sandboxDir: string): Promise<string[]> {
  const objects = inventory(await world(sandboxDir));
  for (const o of objects) {
    expect(o.labels['hk8s.io/cluster'], `${o.kind}/${o.name} has no cluster label`).toBe(CLUSTER);
    expect(o.labels['hk8s.io/address'], `${o.kind}/${o.name} has no address label`).toBeTruthy();
  }
  // The run label says which run made an object: after a resume that is legitimately another one.
  const labelsOf = (labels: Record<string, string>) =>
    JSON.stringify(
      Object.entries(labels)
        .filter(([key]) => key !== 'hk8s.io/run')
        .sort(),
    );
  const lines = objects.map((o) => `${o.kind}/${o.name} ${labelsOf(o.labels)}`);
  expect(new Set(lines).size, 'duplicate objects').toBe(lines.length);
  return lines.sort();
}

export function bootstrapCalls(sandboxDir: string, ws: Workspace): number {
  const id = events(ws).find((e) => e.data.resource?.address === 'talos.secrets')?.data.resource?.id;
  return readTalosState(sandboxDir).clusters.find((c) => c.id === id)?.bootstrapCalls ?? 0;
}

export interface Reference {
  /** Events the command appends in a clean run. */
  events: number;
  inventory: string[];
}

export async function reference(sandboxDir: string, scenario: Scenario): Promise<Reference> {
  const ws = prepared(sandboxDir, scenario);
  const before = events(ws).length;
  ok(ws.run(...scenario.args), `clean ${scenario.name}`);
  return { events: events(ws).length - before, inventory: await normalisedInventory(sandboxDir) };
}

/**
 * The kill points to try among 1..last: all of them with HK8S_TORTURE=all, every k-th with
 * HK8S_TORTURE_STRIDE=k, else (CI) `sample` of them chosen by a fixed seed.
 */
export function killPoints(last: number, sample: number, seed: number): number[] {
  // HK8S_TORTURE_FROM=k: start at event k (to finish a full run that was stopped part-way).
  const from = Math.max(1, Number(process.env.HK8S_TORTURE_FROM ?? 1));
  const all = Array.from({ length: last }, (_, i) => i + 1).filter((n) => n >= from);
  if (process.env.HK8S_TORTURE === 'all') return all;
  const stride = Number(process.env.HK8S_TORTURE_STRIDE ?? 0);
  if (stride > 0) return all.filter((n) => n % stride === 0 || n === 1);
  const prng = new Prng(seed);
  const chosen = new Set<number>();
  while (chosen.size < Math.min(sample, last)) chosen.add(1 + prng.int(last));
  return [...chosen].sort((a, b) => a - b);
}

/** Runs the command, killed after its n-th event; then `resume` (itself killed after `resumeKill`). */
export async function tortured(
  sandboxDir: string,
  scenario: Scenario,
  n: number,
  resumeKill?: number,
): Promise<Workspace> {
  const ws = prepared(sandboxDir, scenario);
  const before = events(ws).length;
  const killed = runKilled(ws, scenario.args, n);
  expect(killed.signal, `${scenario.name} at event ${n} was not killed: ${killed.stdout.slice(-1500)}`).toBe(
    'SIGKILL',
  );
  if (
    !events(ws)
      .slice(before)
      .some((e) => e.type === 'RunStarted')
  ) {
    // Killed before its run started: nothing changed, so there is nothing to resume — the
    // command itself is what the user runs again.
    const resumed = ws.run('resume', '--sandbox', '--auto-approve');
    ok(resumed, `resume after event ${n}`);
    expect(resumed.stdout).toContain('Nothing to resume');
    ok(ws.run(...scenario.args), `${scenario.name} again after event ${n}`);
    return ws;
  }
  if (resumeKill !== undefined) {
    const again = runKilled(ws, ['resume', '--sandbox', '--auto-approve'], resumeKill);
    // A resume with less to do than that may finish before its kill point: also fine.
    if (again.signal !== 'SIGKILL') ok(again, 'resume (meant to be killed)');
  }
  ok(ws.run('resume', '--sandbox', '--auto-approve'), `resume after event ${n}`);
  return ws;
}

function runKilled(ws: Workspace, args: string[], n: number): CliResult {
  ws.env.HK8S_TEST_KILL_AT_EVENT = String(n);
  try {
    return ws.run(...args);
  } finally {
    delete ws.env.HK8S_TEST_KILL_AT_EVENT;
  }
}

/** The end state after a tortured run must be the clean run's. */
export async function expectConverged(
  sandboxDir: string,
  ws: Workspace,
  scenario: Scenario,
  ref: Reference,
): Promise<void> {
  expect(await normalisedInventory(sandboxDir)).toEqual(ref.inventory);
  ok(ws.run('state', 'verify'), 'state verify');
  if (!scenario.exists) return;
  expect(bootstrapCalls(sandboxDir, ws), 'etcd bootstrap calls').toBe(1);
  const plan = ws.run('plan', '--sandbox', '--detailed-exitcode');
  expect(plan.code, `plan after convergence:\n${plan.stdout.slice(-3000)}`).toBe(0);
}

/**
 * Read + verify + replay of a 100,000-event log. Run: `npx tsx bench/replay.ts [events]`.
 * The log is written with the real append code (in batches, each fsynced) into a temp dir.
 * Each round also times the floor no reader can beat: reading the same file and `JSON.parse` of
 * each line (no hashing, no checks, no state). Prints one JSON line with the figures, then a line
 * for people. Goals: <= 1 s for 100k events, and read+verify+replay <= 1.3x read+parse.
 * `HK8S_BENCH_KEEP=1` leaves the log in place (its directory is printed) for profiling.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { NewEvent } from '../src/state/events.js';
import { FileEventLog } from '../src/state/log-store.js';
import { replay } from '../src/state/reducer.js';

const TOTAL = Number(process.argv[2] ?? 100_000);
const ACTIONS_PER_RUN = 48;
const BATCH = 2_000;
const ROUNDS = 5;
const GOAL_RATIO = 1.3;

function request(i: number, address: string): unknown {
  return {
    method: 'POST',
    path: '/servers',
    body: {
      name: `demo-${address.replace(/\./g, '-')}`,
      server_type: i % 3 === 0 ? 'cpx31' : 'cax21',
      image: '245678901',
      location: ['fsn1', 'nbg1', 'hel1'][i % 3],
      networks: [4711],
      firewalls: [{ firewall: 815 }],
      placement_group: 42,
      labels: { 'hk8s.io/cluster': 'demo', 'hk8s.io/address': address, 'hk8s.io/run': 'r' },
      user_data: { $secret: 'bWFjaGluZTogeyB0eXBlOiB3b3JrZXIgfQ==' },
    },
  };
}

function resource(i: number, address: string): { address: string; type: string; id: string; attrs: object } {
  return {
    address,
    type: 'hcloud.server',
    id: String(40_000_000 + i),
    attrs: {
      name: `demo-${address.replace(/\./g, '-')}`,
      status: 'running',
      server_type: 'cax21',
      location: 'fsn1',
      public_net: { ipv4: `127.0.${(i >> 8) & 255}.${i & 255}`, ipv6: null },
      private_net: [{ network: 4711, ip: `10.0.${(i >> 8) & 255}.${i & 255}` }],
      labels: { 'hk8s.io/cluster': 'demo', 'hk8s.io/address': address },
      created: '2026-03-01T10:00:00+00:00',
    },
  };
}

/** Runs of ACTIONS_PER_RUN actions: RunStarted, Started+Succeeded per action, RunFinished. */
function* realisticEvents(total: number): Generator<NewEvent> {
  yield { type: 'LogCreated', run: null, data: { cluster: 'demo', format: 1, hk8sVersion: '0.1.0' } };
  yield {
    type: 'SecretStored',
    run: null,
    data: { name: 'talos.secrets', value: { $secret: 'c2VjcmV0cw==' } },
  };
  let emitted = 2;
  for (let r = 0; emitted < total; r += 1) {
    const run = `r-${String(r).padStart(6, '0')}`;
    const actions = Array.from({ length: ACTIONS_PER_RUN }, (_, a) => ({
      id: `a${a}`,
      kind: a % 5 === 4 ? 'update' : 'create',
      address: `server.pool-${a % 4}.${(r * ACTIONS_PER_RUN + a) % 500}`,
      dependsOn: a === 0 ? [] : [`a${a - 1}`],
    }));
    const command = r % 10 === 9 ? 'destroy' : 'apply';
    yield {
      type: 'RunStarted',
      run,
      data: {
        command,
        planHash: 'p'.repeat(64),
        specHash: 's'.repeat(64),
        parallelism: 8,
        actions,
        hk8sVersion: '0.1.0',
      },
    };
    emitted += 1;
    for (const [a, { id, kind, address }] of actions.entries()) {
      if (emitted + 2 >= total) break;
      const i = r * ACTIONS_PER_RUN + a;
      yield { type: 'ActionStarted', run, data: { action: id, kind, address, request: request(i, address) } };
      const gone = command === 'destroy';
      yield {
        type: 'ActionSucceeded',
        run,
        data: { action: id, kind, address, resource: gone ? null : (resource(i, address) as never) },
      };
      emitted += 2;
    }
    if (emitted < total) {
      yield {
        type: 'RunFinished',
        run,
        data: { outcome: 'succeeded', succeeded: 48, failed: 0, skipped: 0 },
      };
      emitted += 1;
    }
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'hk8s-bench-'));
  try {
    const writer = new FileEventLog(join(dir, 'demo'));
    const lock = await writer.acquire({ command: 'bench' });
    const writeStart = performance.now();
    let batch: NewEvent[] = [];
    for (const event of realisticEvents(TOTAL)) {
      batch.push(event);
      if (batch.length === BATCH) {
        await writer.append(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await writer.append(batch);
    const writeMs = performance.now() - writeStart;
    await lock.release();
    const bytes = (await stat(writer.path)).size;

    const parses: number[] = [];
    const keptParses: number[] = [];
    const totals: number[] = [];
    const reads: number[] = [];
    const replays: number[] = [];
    let count = 0;
    let resources = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      const parseStart = performance.now();
      const text = await readFile(writer.path, 'utf8');
      let parsed = 0;
      for (const line of text.split('\n')) if (line !== '') parsed += JSON.parse(line) ? 1 : 0;
      parses.push(performance.now() - parseStart);
      if (parsed === 0) throw new Error('the log is empty');
      // The same, keeping the parsed lines, as any reader must (the garbage collector then has to
      // keep 100,000 objects, which dropping them spares it).
      const keptStart = performance.now();
      const kept: unknown[] = [];
      for (const line of (await readFile(writer.path, 'utf8')).split('\n'))
        if (line !== '') kept.push(JSON.parse(line));
      keptParses.push(performance.now() - keptStart);
      if (kept.length !== parsed) throw new Error('the log changed between reads');
      const start = performance.now();
      const { events } = await new FileEventLog(writer.dir).read();
      const read = performance.now();
      const state = replay(events);
      const end = performance.now();
      reads.push(read - start);
      replays.push(end - read);
      totals.push(end - start);
      count = events.length;
      resources = Object.keys(state.resources).length;
    }
    const result = {
      bench: 'state.replay',
      events: count,
      bytes,
      rounds: ROUNDS,
      medianMs: Math.round(median(totals)),
      readVerifyMs: Math.round(median(reads)),
      replayMs: Math.round(median(replays)),
      parseMs: Math.round(median(parses)),
      ratioToParse: Math.round((median(totals) / median(parses)) * 100) / 100,
      parseKeptMs: Math.round(median(keptParses)),
      ratioToParseKept: Math.round((median(totals) / median(keptParses)) * 100) / 100,
      goalRatio: GOAL_RATIO,
      writeMs: Math.round(writeMs),
      resources,
      node: process.version,
    };
    console.log(JSON.stringify(result));
    console.log(
      `read+verify+replay of ${count} events (${(bytes / 1e6).toFixed(1)} MB): ${result.medianMs} ms median of ` +
        `${ROUNDS} (read+verify ${result.readVerifyMs} ms, replay ${result.replayMs} ms); ` +
        `written in ${result.writeMs} ms`,
    );
    console.log(
      `read + JSON.parse of the same file: ${result.parseMs} ms (${result.parseKeptMs} ms keeping the parsed ` +
        `lines); hk8s costs ${result.ratioToParse}x (${result.ratioToParseKept}x) that ` +
        `(goal <= ${GOAL_RATIO}x: ${result.ratioToParse <= GOAL_RATIO ? 'met' : 'MISSED'})`,
    );
  } finally {
    if (process.env['HK8S_BENCH_KEEP'] === '1') console.log(`kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
}

await main();

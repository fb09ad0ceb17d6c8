/**
 * `npx tsx bench/sandbox-persist.ts [servers]`: what the sandbox writes per mutating request in a
 * large world, with the change journal (default) and with a full world.json rewrite per request (the
 * old way, `persistence: 'full'`). An in-process sandbox gets `servers` servers (default 500) through
 * its API; then 100 more creates and 100 renames are timed. Prints bytes written per request (from the
 * store's counters, GET /_sandbox/persistence) and the median request time. Actions run slowly
 * (speed 100) so that no action finishes between requests and every write belongs to a request.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandboxServer, type PersistMode, type PersistStats } from '@hk8s/sandbox';
import { medianMs } from './support.js';

const servers = Number(process.argv[2] ?? 500);
const HEADERS = { Authorization: 'Bearer bench', 'Content-Type': 'application/json' };

interface Figures {
  mode: PersistMode;
  /** world.json after close (a full snapshot in both modes). */
  worldBytes: number;
  create: { bytes: number; medianMs: number };
  rename: { bytes: number; medianMs: number };
}

async function run(mode: PersistMode): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'hk8s-bench-persist-'));
  const sandbox = await startSandboxServer({
    stateDir: dir,
    speed: 100,
    seedImages: true,
    persistence: mode,
    rateLimit: { limit: 1_000_000, refillPerSecond: 1000 },
  });
  const origin = new URL(sandbox.url).origin;
  const stats = async () => (await (await fetch(`${origin}/_sandbox/persistence`)).json()) as PersistStats;
  const call = async (method: string, path: string, body: unknown): Promise<unknown> => {
    const res = await fetch(`${sandbox.url}${path}`, {
      method,
      headers: HEADERS,
      body: JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${await res.text()}`);
    return res.json();
  };
  const create = (name: string) =>
    call('POST', '/servers', {
      name,
      server_type: 'cpx11',
      image: 'debian-13',
      location: 'fsn1',
    }) as Promise<{
      server: { id: number };
    }>;
  try {
    const ids: number[] = [];
    for (let i = 0; i < servers; i++) ids.push((await create(`bench-${i}`)).server.id);
    const timed = async (count: number, request: (i: number) => Promise<unknown>) => {
      const before = await stats();
      const samples: bigint[] = [];
      for (let i = 0; i < count; i++) {
        const start = process.hrtime.bigint();
        await request(i);
        samples.push(process.hrtime.bigint() - start);
      }
      const after = await stats();
      return {
        bytes: Math.round((after.bytesWritten - before.bytesWritten) / count),
        medianMs: medianMs(samples),
      };
    };
    const createFigures = await timed(100, (i) => create(`extra-${i}`));
    const renameFigures = await timed(100, (i) =>
      call('PUT', `/servers/${ids[i % ids.length]}`, { name: `renamed-${i}` }),
    );
    await sandbox.close();
    const worldBytes = statSync(join(dir, 'world.json')).size;
    return { mode, worldBytes, create: createFigures, rename: renameFigures };
  } finally {
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const results: Figures[] = [];
for (const mode of ['full', 'journal'] as const) results.push(await run(mode));
console.log(`sandbox persistence, ${servers} servers (+100 created while timing), per mutating request:`);
for (const r of results) {
  console.log(
    `  ${r.mode.padEnd(7)}  world.json ${(r.worldBytes / 1024).toFixed(0)} KiB | ` +
      `create: ${r.create.bytes} B written, median ${r.create.medianMs.toFixed(2)} ms | ` +
      `rename: ${r.rename.bytes} B written, median ${r.rename.medianMs.toFixed(2)} ms`,
  );
}

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { resumeCluster } from '../../../src/engine/resume.js';
import { applyCluster, planCluster, type ApplyHooks } from '../../../src/engine/session.js';
import { openWorkspace, type Workspace } from '../../../src/engine/workspace.js';
import { openState } from '../../../src/state/log-store.js';
import { pendingRun } from '../../../src/state/reducer.js';
import { verifyEvents } from '../../../src/state/verify.js';
import { FakeCloud } from '../../support/fake-cloud.js';

const SPEC = `
cluster: { name: unit }
firewall: { apiSources: [198.51.100.0/24] }
controlPlane:
  pools: [{ name: cp, location: fsn1, type: cpx21, count: 1 }]
workers:
  pools: [{ name: w, location: fsn1, type: cpx21, count: 2 }]
`;

const hooks = (events: string[] = []): ApplyHooks => ({
  events: (e) => events.push(e.type === 'warning' ? `warning: ${JSON.stringify(e.warning)}` : e.type),
  confirm: async () => true,
  onRunStart: () => (e) => events.push(e.type),
});

let ws: Workspace;
let cloud: FakeCloud;

beforeEach(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hk8s-session-'));
  writeFileSync(join(dir, 'hk8s.yaml'), SPEC);
  ws = await openWorkspace({ cwd: dir });
  cloud = new FakeCloud();
});

const apply = () => applyCluster(ws, cloud.provider(), { command: 'apply', parallelism: 4 }, hooks());

describe('plan and apply', () => {
  it('plan takes no lock and writes nothing', async () => {
    const { plan } = await planCluster(ws, cloud.provider(), { command: 'apply' }, () => undefined);
    expect(plan.graph.actions.length).toBeGreaterThan(5);
    await expect(openState(ws.log)).resolves.toMatchObject({ events: [] });
  });

  it('apply creates everything, records it, and a second plan is empty', async () => {
    const { result } = await apply();
    expect(result?.outcome).toBe('succeeded');
    const { state, events } = await openState(ws.log);
    expect(Object.keys(state.resources).sort()).toEqual([...cloud.objects.keys()].sort());
    expect(verifyEvents(events).problems).toEqual([]);
    const again = await planCluster(ws, cloud.provider(), { command: 'apply' }, () => undefined);
    expect(again.plan.graph.actions).toEqual([]);
  });

  it('a failed action leaves the run failed but not pending; the next apply retries it', async () => {
    cloud.failOnce.add('server.w.2');
    const first = await apply();
    expect(first.result?.outcome).toBe('failed');
    expect(pendingRun((await openState(ws.log)).state)).toBeUndefined();
    const second = await apply();
    expect(second.result?.outcome).toBe('succeeded');
    expect(second.plan.graph.actions.map((a) => a.id)).toEqual(['create:server.w.2']);
  });

  it('a create reported failed after the object was made is recorded by the next apply', async () => {
    cloud.failAfterCreate.add('server.w.2');
    expect((await apply()).result?.outcome).toBe('failed');
    expect((await openState(ws.log)).state.resources['server.w.2']).toBeUndefined();
    const second = await apply();
    expect(second.plan.graph.actions).toEqual([]);
    const { state, events } = await openState(ws.log);
    expect(state.resources['server.w.2']).toMatchObject({ id: cloud.objects.get('server.w.2')?.id });
    expect(verifyEvents(events).problems).toEqual([]);
  });

  it('a declined confirmation changes nothing', async () => {
    const declined = await applyCluster(
      ws,
      cloud.provider(),
      { command: 'apply', parallelism: 4 },
      {
        ...hooks(),
        confirm: async () => false,
      },
    );
    expect(declined.declined).toBe(true);
    expect(cloud.calls).toEqual([]);
    expect((await openState(ws.log)).events).toEqual([]);
  });
});

describe('resume after a crash', () => {
  /** What a process killed right after sending the network create leaves behind. */
  async function crashDuringNetworkCreate(created: boolean) {
    const lock = await ws.log.acquire({ command: 'apply' });
    await ws.log.append([
      { type: 'LogCreated', run: null, data: { cluster: 'unit', format: 1, hk8sVersion: 'test' } },
      {
        type: 'RunStarted',
        run: 'r-dead',
        data: {
          command: 'apply',
          planHash: 'x',
          specHash: ws.loaded.hash,
          parallelism: 1,
          actions: [{ id: 'create:network.main', kind: 'create', address: 'network.main', dependsOn: [] }],
          hk8sVersion: 'test',
        },
      },
      {
        type: 'ActionStarted',
        run: 'r-dead',
        data: { action: 'create:network.main', kind: 'create', address: 'network.main', request: {} },
      },
    ]);
    await lock.release();
    if (created) cloud.add('network.main', 'network', { name: 'unit' });
  }

  it('apply refuses while a run is pending and names it', async () => {
    await crashDuringNetworkCreate(true);
    await expect(apply()).rejects.toMatchObject({ code: 'run.resume-pending', exitCode: 8 });
  });

  it.each([
    { created: true, outcome: 'adopted' },
    { created: false, outcome: 'retry' },
  ])(
    'resume reconciles an interrupted create (created: $created) and completes without duplicates',
    async ({ created, outcome }) => {
      await crashDuringNetworkCreate(created);
      const result = await resumeCluster(ws, cloud.provider(), { parallelism: 4 }, hooks());
      expect(result.reconciled).toEqual([
        { action: 'create:network.main', address: 'network.main', outcome },
      ]);
      expect(result.result?.outcome).toBe('succeeded');
      const creates = cloud.calls.filter((c) => c === 'create network.main');
      expect(creates).toHaveLength(created ? 0 : 1);
      const { state } = await openState(ws.log);
      expect(pendingRun(state)).toBeUndefined();
      expect(state.runs['r-dead']?.finished?.outcome).toBe('interrupted');
      const again = await planCluster(ws, cloud.provider(), { command: 'apply' }, () => undefined);
      expect(again.plan.graph.actions).toEqual([]);
    },
  );

  it('resume with nothing pending says so and changes nothing', async () => {
    await apply();
    const calls = cloud.calls.length;
    const result = await resumeCluster(ws, cloud.provider(), { parallelism: 4 }, hooks());
    expect(result.resumed).toBeUndefined();
    expect(cloud.calls.length).toBe(calls);
  });

  it('a lock held by a live process stops apply with the holder named', async () => {
    const lock = await ws.log.acquire({ command: 'apply' });
    try {
      await expect(apply()).rejects.toMatchObject({ code: 'state.lock-held' });
    } finally {
      await lock.release();
    }
  });
});

/** Safe targeting through the session, on the fake cloud: what is recorded, and what stops. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { isHk8sError } from '../../../src/errors.js';
import { applyCluster, planCluster, type ApplyHooks, type PlanRequest } from '../../../src/engine/session.js';
import { openWorkspace, type Workspace } from '../../../src/engine/workspace.js';
import { openState } from '../../../src/state/log-store.js';
import { verifyEvents } from '../../../src/state/verify.js';
import { FakeCloud } from '../../support/fake-cloud.js';

const SPEC = (name: string) => `
cluster: { name: ${name} }
firewall: { apiSources: [198.51.100.0/24] }
controlPlane:
  pools: [{ name: cp, location: fsn1, type: cpx21, count: 1 }]
workers:
  pools: [{ name: w, location: fsn1, type: cpx21, count: 2 }]
`;

const hooks: ApplyHooks = {
  events: () => undefined,
  confirm: async () => true,
  onRunStart: () => () => undefined,
};
const HETZNER = { endpoint: 'https://api.hetzner.cloud/v1', project: 'token:aaaa' };

let dir: string;
let ws: Workspace;
let cloud: FakeCloud;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hk8s-target-'));
  writeFileSync(join(dir, 'hk8s.yaml'), SPEC('unit'));
  ws = await openWorkspace({ cwd: dir });
  cloud = new FakeCloud();
  cloud.target = HETZNER;
});

const apply = (w = ws, extra: Partial<PlanRequest> = {}) =>
  applyCluster(w, cloud.provider(), { command: 'apply', parallelism: 4, ...extra }, hooks);
const plan = (w = ws, extra: Partial<PlanRequest> = {}) =>
  planCluster(w, cloud.provider(), { command: 'apply', ...extra }, () => undefined);

async function failure(promise: Promise<unknown>): Promise<{ code: string; exit: number; line: string }> {
  try {
    await promise;
  } catch (error) {
    if (isHk8sError(error)) return { code: error.code, exit: error.exitCode, line: error.oneLine() };
    throw error;
  }
  throw new Error('expected a failure');
}

describe('the recorded target', () => {
  it('is written once, right after LogCreated, before the first run', async () => {
    expect((await apply()).result?.outcome).toBe('succeeded');
    const { state, events } = await openState(ws.log);
    expect(events.slice(0, 3).map((e) => e.type)).toEqual(['LogCreated', 'TargetRecorded', 'RunStarted']);
    expect(state.target).toEqual({ ...HETZNER, cluster: 'unit', spec: 'hk8s.yaml' });
    expect(verifyEvents(events).problems).toEqual([]);
    await apply();
    const again = await openState(ws.log);
    expect(again.events.filter((e) => e.type === 'TargetRecorded')).toHaveLength(1);
  });

  it('a plan writes nothing, and a plan file carries the target', async () => {
    const { plan: made } = await plan();
    expect(made.target).toEqual(HETZNER);
    expect((await openState(ws.log)).events).toEqual([]);
  });

  it('another endpoint stops plan and apply before anything runs; --accept-endpoint records the move', async () => {
    await apply();
    cloud.target = { endpoint: 'sandbox', project: 'sandbox:1' };
    const calls = cloud.calls.length;
    const stopped = await failure(plan());
    expect(stopped).toMatchObject({ code: 'target.moved', exit: 13 });
    expect(stopped.line).toContain('https://api.hetzner.cloud/v1, but this run uses sandbox');
    expect((await failure(apply())).exit).toBe(13);
    expect(cloud.calls.length).toBe(calls);
    // The fake cloud is the same, so everything is still there: nothing is missing.
    await apply(ws, { acceptEndpoint: true });
    expect((await openState(ws.log)).state.target).toMatchObject({
      endpoint: 'sandbox',
      project: 'sandbox:1',
    });
    await expect(plan()).resolves.toBeDefined();
  });

  it('a new token of the same project is recognised by the recorded ids', async () => {
    await apply();
    cloud.target = { ...HETZNER, project: 'token:bbbb' };
    const { plan: next } = await plan();
    expect(next.graph.actions).toEqual([]);
  });

  it('recorded resources gone from the cloud stop the plan; --accept-missing creates them again', async () => {
    await apply();
    cloud.objects.clear();
    const stopped = await failure(plan());
    expect(stopped).toMatchObject({ code: 'target.missing', exit: 13 });
    expect(stopped.line).toMatch(/\d+ of \d+ recorded resources are not in the cloud/);
    const accepted = await apply(ws, { acceptMissing: true });
    expect(accepted.result?.outcome).toBe('succeeded');
    expect((await plan()).plan.graph.actions).toEqual([]);
  });

  it('a renamed cluster.name is refused (exit 4), naming the field and the recorded name', async () => {
    await apply();
    writeFileSync(join(dir, 'hk8s.yaml'), SPEC('renamed'));
    const renamed = await openWorkspace({ cwd: dir });
    const stopped = await failure(plan(renamed));
    expect(stopped).toMatchObject({ code: 'spec.renamed', exit: 4 });
    expect(stopped.line).toContain('cluster.name');
    expect(stopped.line).toContain('"unit"');
    expect(readFileSync(join(dir, 'hk8s.yaml'), 'utf8')).toContain('renamed');
  });

  it('another spec file beside it is another cluster, not a rename', async () => {
    await apply();
    writeFileSync(join(dir, 'other.yaml'), SPEC('other'));
    const other = await openWorkspace({ cwd: dir, config: 'other.yaml' });
    await expect(plan(other)).resolves.toBeDefined();
  });
});

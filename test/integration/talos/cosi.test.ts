/**
 * The client's COSI reads against simulated nodes: the schematic a node runs (from its disk, then
 * from the installer of an upgrade), in maintenance mode without a client certificate and over
 * mTLS as os:reader; Get's NOT_FOUND as undefined; the node refuses `nodes` targeting, so the
 * client sends `node`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimServerInfo } from '@hk8s/sandbox';
import { createTestPki, machineConfig, type TestPki } from '../../support/talos-ca.js';
import {
  adminClient,
  bootServer,
  calls,
  insecureClient,
  removeDir,
  server,
  startHarness,
  waitFor,
  waitListening,
  type Harness,
} from './helpers.js';

const PORT = 45108;
const IP = '127.67.0.2';
const PEER = '127.67.0.3';
const DISK = 'ce4c980550dd2ab1b17bbf2b08801c7eb59418eafe8f279833297925d67c7515';
const OTHER = '376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba';
const TYPE = 'ExtensionStatuses.runtime.talos.dev';

let h: Harness;
let pki: TestPki;

/** A server whose disk holds Talos v1.13.9 built from `schematic`. */
function withDisk(id: number, ip: string, schematic: string): SimServerInfo {
  return { ...server(id, ip), talos: { version: 'v1.13.9', schematic, arch: 'x86' } };
}

beforeAll(async () => {
  h = startHarness(PORT);
  pki = await createTestPki();
  await bootServer(h, withDisk(1, IP, DISK));
  await waitListening(h, 1, 'maintenance');
});

afterAll(async () => {
  await h.close();
  removeDir(h.dir);
});

describe('COSI reads', () => {
  it('reads the schematic in maintenance mode without a client certificate', async () => {
    expect(await insecureClient(h, IP).runningSchematic()).toBe(DISK);
    expect(calls(h, 1, 'cosi/List')).toBe(1);
  });

  it('reads it over mTLS as os:reader, lists and gets the resource, and maps NOT_FOUND to undefined', async () => {
    await insecureClient(h, IP).applyConfiguration({ data: machineConfig(pki, { type: 'controlplane' }) });
    await waitListening(h, 1, 'running');
    const reader = await adminClient(h, pki, IP, ['os:reader']);
    expect(await reader.runningSchematic()).toBe(DISK);
    const [listed] = await reader.cosiList({ namespace: 'runtime', type: TYPE });
    expect(listed).toMatchObject({ namespace: 'runtime', type: TYPE, id: '0', phase: 'running' });
    expect(listed?.specYaml).toContain(`version: ${DISK}`);
    expect(await reader.cosiGet({ namespace: 'runtime', type: TYPE, id: '0' })).toEqual(listed);
    expect(await reader.cosiGet({ namespace: 'runtime', type: TYPE, id: '9' })).toBeUndefined();
  });

  it('targets another node of the cluster through the endpoint with `node` metadata', async () => {
    await bootServer(h, withDisk(2, PEER, OTHER));
    await waitListening(h, 2, 'maintenance');
    await insecureClient(h, PEER).applyConfiguration({ data: machineConfig(pki, { type: 'worker' }) });
    await waitFor('the peer configured', () => h.sim.node(2)?.record.phase === 'running');
    const reader = await adminClient(h, pki, IP, ['os:reader']);
    expect(await reader.runningSchematic({ node: PEER })).toBe(OTHER);
  });

  it("reports the installer's schematic after an upgrade with another schematic", async () => {
    const admin = await adminClient(h, pki, IP);
    const boots = h.sim.node(1)?.record.bootCount ?? 0;
    await admin.upgrade({ image: `factory.talos.dev/hcloud-installer/${OTHER}:v1.13.10` });
    await waitFor('the upgrade reboot', () => (h.sim.node(1)?.record.bootCount ?? 0) > boots, 20_000);
    await waitListening(h, 1, 'running');
    expect(await admin.runningSchematic()).toBe(OTHER);
  });
});

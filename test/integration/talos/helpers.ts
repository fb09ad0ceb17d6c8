/** Shared setup for the Talos client ↔ simulated node tests: nodes driven through the sandbox hooks. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import {
  createTalosClient,
  TalosApiError,
  type TalosClient,
} from '../../../src/providers/talos/client/index.js';
import type { SimServerInfo } from '@hk8s/sandbox';
import { TalosSimulator } from '@hk8s/sandbox';
import { clientCertificate, type TestPki } from '../../support/talos-ca.js';

/** Durations are multiplied by this: a 20 s boot takes 40 ms. */
export const SPEED = 0.002;

export interface Harness {
  sim: TalosSimulator;
  dir: string;
  port: number;
  clients: TalosClient[];
  close(): Promise<void>;
}

export function startHarness(port: number, dir = mkdtempSync(join(tmpdir(), 'hk8s-talos-'))): Harness {
  const sim = new TalosSimulator({ stateDir: dir, port, speed: SPEED, log: () => {} });
  const clients: TalosClient[] = [];
  return {
    sim,
    dir,
    port,
    clients,
    async close() {
      for (const c of clients) c.close();
      await sim.close();
    },
  };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export function server(
  id: number,
  ip: string,
  options: { userData?: string | null; version?: string; imageId?: number; name?: string } = {},
): SimServerInfo {
  return {
    id,
    name: options.name ?? `node-${id}`,
    labels: {},
    status: 'running',
    location: 'fsn1',
    serverType: 'cx22',
    architecture: 'x86',
    publicIpv4: ip,
    publicIpv6: null,
    privateIps: [],
    image: {
      id: options.imageId ?? 320000001,
      type: 'snapshot',
      name: null,
      description: 'Talos',
      labels: { os: 'talos', talos_version: options.version ?? 'v1.13.9', arch: 'amd64' },
    },
    userData: options.userData ?? null,
  };
}

/** Creates and powers on a server, as the sandbox does after its create and start actions. */
export async function bootServer(h: Harness, info: SimServerInfo): Promise<void> {
  await h.sim.hooks.onServerCreated?.(info, false);
  await h.sim.hooks.onServerPower?.(info, 'on');
}

export async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function waitListening(h: Harness, serverId: number, phase: 'maintenance' | 'running'): Promise<void> {
  return waitFor(`server ${serverId} ${phase}`, () => {
    const node = h.sim.node(serverId);
    return node?.record.phase === phase && node.listening;
  });
}

export async function adminClient(
  h: Harness,
  pki: TestPki,
  ip: string,
  roles = ['os:admin'],
): Promise<TalosClient> {
  const cert = await clientCertificate(pki.os, roles);
  const client = createTalosClient({
    endpoint: `${ip}:${h.port}`,
    mode: 'mtls',
    ca: pki.os.crt,
    cert: cert.crt,
    key: cert.key,
    retry: { attempts: 3, baseDelayMs: 20, maxDelayMs: 100 },
  });
  h.clients.push(client);
  return client;
}

export function insecureClient(h: Harness, ip: string): TalosClient {
  const client = createTalosClient({
    endpoint: `${ip}:${h.port}`,
    mode: 'insecure',
    retry: { attempts: 3, baseDelayMs: 20, maxDelayMs: 100 },
  });
  h.clients.push(client);
  return client;
}

/** The TalosApiError a promise rejects with (fails the test when it resolves or throws something else). */
export async function talosError(promise: Promise<unknown>): Promise<TalosApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TalosApiError);
  return error as TalosApiError;
}

export function calls(h: Harness, serverId: number, method: string): number {
  return h.sim.stats().nodes.find((n) => n.serverId === serverId)?.calls[method] ?? 0;
}

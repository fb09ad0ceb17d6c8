/**
 * A sandbox started inside the test process with a Hetzner client for it, and a run context that
 * records nothing: what the integration tests of single resource drivers need.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandboxServer, type RunningSandbox } from '@hk8s/sandbox';
import type { RunContext } from '../../src/execute/runner.js';
import { createHcloudClient, type HcloudApi } from '../../src/providers/hcloud/index.js';

export interface InProcessSandbox {
  sandbox: RunningSandbox;
  api: HcloudApi;
  close(): Promise<void>;
}

export async function inProcessSandbox(
  name: string,
  options: { seedImages?: boolean } = {},
): Promise<InProcessSandbox> {
  const dir = mkdtempSync(join(tmpdir(), `hk8s-${name}-`));
  const sandbox = await startSandboxServer({ stateDir: dir, speed: 0.001, ...options });
  const api = createHcloudClient({
    endpoint: sandbox.url,
    token: 'test',
    pollIntervals: { initialMs: 5, maxMs: 10 },
  });
  return {
    sandbox,
    api,
    close: async () => {
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function quietRunContext(run = 'r1'): RunContext {
  return {
    run,
    signal: new AbortController().signal,
    idOf: () => undefined,
    recordOf: () => undefined,
    progress: () => undefined,
    secrets: { get: () => undefined, put: async () => undefined, forget: async () => undefined },
  };
}

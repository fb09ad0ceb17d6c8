import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  assertVersionChanges,
  checkWorkspaceVersions,
  runningVersions,
} from '../../../src/engine/version-check.js';
import { openWorkspace } from '../../../src/engine/workspace.js';
import { SpecValidationError } from '../../../src/spec/validate.js';
import { emptyState, type State } from '../../../src/state/reducer.js';

/** A state holding the configs hk8s applied to these servers: `[server, talos, kubelet image]`. */
function stateWith(applied: Array<[string, string, string | undefined]>): State {
  const state = emptyState();
  for (const [server, talos, kubelet] of applied) {
    const name = server.slice('server.'.length);
    state.resources[`talos.config.${name}`] = {
      address: `talos.config.${name}`,
      type: 'talos_config',
      id: '1',
      attrs: { server, serverId: '1', hash: 'h' },
    };
    const documents = [{ machine: kubelet === undefined ? {} : { kubelet: { image: kubelet } } }];
    state.secrets[`talos.config.${name}.applied`] = {
      $secret: JSON.stringify({ version: talos, documents }),
    };
  }
  return state;
}

async function workspaceWith(spec: string) {
  const dir = mkdtempSync(join(tmpdir(), 'hk8s-versions-'));
  writeFileSync(join(dir, 'hk8s.yaml'), spec);
  return openWorkspace({ cwd: dir });
}

const SPEC = (talos: string, kubernetes: string) => `cluster:
  name: demo
controlPlane:
  pools: [{ name: cp, location: fsn1, type: cpx22, count: 1 }]
talos:
  version: ${talos}
kubernetes:
  version: ${kubernetes}
`;

describe('runningVersions', () => {
  it('spans the versions of the configs hk8s applied', () => {
    const state = stateWith([
      ['server.cp.1', 'v1.13.9', 'ghcr.io/siderolabs/kubelet:v1.35.4'],
      ['server.cp.2', 'v1.13.10', 'ghcr.io/siderolabs/kubelet:v1.34.10@sha256:abc'],
      ['server.w.1', 'v1.12.11', 'mirror.example:5000/kubelet:v1.35.0'],
    ]);
    expect(runningVersions(state)).toEqual({
      talos: { oldest: 'v1.12.11', newest: 'v1.13.10' },
      kubernetes: { oldest: 'v1.34.10', newest: 'v1.35.4' },
    });
  });

  it('knows nothing without applied configs, and skips what it cannot read', () => {
    expect(runningVersions(emptyState())).toEqual({});
    const state = stateWith([['server.cp.1', 'v1.13.9', undefined]]);
    state.secrets['talos.config.cp.2.applied'] = { $secret: 'not json' };
    expect(runningVersions(state)).toEqual({ talos: { oldest: 'v1.13.9', newest: 'v1.13.9' } });
  });
});

describe('assertVersionChanges', () => {
  const running = runningVersions(stateWith([['server.cp.1', 'v1.13.10', 'k:v1.34.10']]));

  it('refuses a downgrade and a skipped minor at once, located in the spec, hinting at --force', async () => {
    const ws = await workspaceWith(SPEC('v1.13.9', 'v1.36.3'));
    let error: unknown;
    try {
      assertVersionChanges(ws.loaded, running, false);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SpecValidationError);
    const invalid = error as SpecValidationError;
    expect(invalid.exitCode).toBe(4);
    expect(invalid.issues.map((i) => [i.path, i.line])).toEqual([
      ['talos.version', 6],
      ['kubernetes.version', 8],
    ]);
    expect(invalid.hint).toMatch(/--force/);
  });

  it('--force allows the downgrade but never the skipped minor', async () => {
    const downgrade = await workspaceWith(SPEC('v1.13.9', 'v1.35.4'));
    expect(() => assertVersionChanges(downgrade.loaded, running, true)).not.toThrow();
    const skip = await workspaceWith(SPEC('v1.13.10', 'v1.36.3'));
    expect(() => assertVersionChanges(skip.loaded, running, true)).toThrow(/2 minors above v1\.34\.10/);
  });
});

describe('checkWorkspaceVersions', () => {
  it('passes for a cluster with no log yet and writes nothing', async () => {
    const ws = await workspaceWith(SPEC('v1.12.11', 'v1.30.0'));
    await expect(checkWorkspaceVersions(ws, false)).resolves.toEqual([]);
    expect(existsSync(ws.stateDir)).toBe(false);
  });
});

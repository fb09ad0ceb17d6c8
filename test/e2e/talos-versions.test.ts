/**
 * Talos versions end to end with the built CLI: a 1 + 1 cluster on Talos 1.12 comes up on the
 * sandbox and kubectl lists its nodes with hk8s's kubeconfig; then `validate` and `plan` refuse an
 * unsupported Talos, Kubernetes two minors up from what the nodes run, and a Talos downgrade
 * (unless --force) before touching anything.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxDirFor, workspace, type CliResult, type Workspace } from '../support/cli.js';

const SPEC = readFileSync('test/fixtures/cluster-1-1-talos-1.12.yaml', 'utf8');
const SPEED = 0.05;
const sandboxDir = sandboxDirFor('versions');
/** Each CLI run starts Node and oclif; on a loaded machine an apply takes minutes. */
const SLOW = 300_000;
let ws: Workspace;

const output = (r: CliResult) => `${r.stdout}\n${r.stderr}`;
const withVersions = (talos: string, kubernetes: string) =>
  SPEC.replace('version: v1.12.11', `version: ${talos}`).replace(
    'version: v1.33.5',
    `version: ${kubernetes}`,
  );

beforeAll(() => {
  ws = workspace({ sandboxDir, speed: SPEED });
  expect(ws.run('sandbox', 'start', '--speed', String(SPEED)).code).toBe(0);
  ws.writeSpec(SPEC);
});

afterAll(() => {
  ws?.run('sandbox', 'stop');
});

function nodeVersions(): string[] {
  const status = ws.run('status', '--sandbox', '--json');
  expect(status.code, status.stderr).toBe(0);
  const parsed = JSON.parse(status.stdout) as { nodes: Array<{ talosVersion?: string }>; healthy: boolean };
  expect(parsed.healthy).toBe(true);
  return parsed.nodes.map((n) => n.talosVersion ?? 'unknown');
}

describe('a Talos 1.12 cluster', () => {
  it(
    'comes up from an empty project, and kubectl lists its nodes with the kubeconfig hk8s writes',
    () => {
      const apply = ws.run('apply', '--sandbox', '--auto-approve');
      expect(apply.code, output(apply)).toBe(0);
      expect(nodeVersions()).toEqual(['v1.12.11', 'v1.12.11']);
      expect(ws.run('kubeconfig', '-o', 'kubeconfig').code).toBe(0);
      const nodes = execFileSync(
        'kubectl',
        ['--kubeconfig', join(ws.dir, 'kubeconfig'), 'get', 'nodes', '-o', 'name'],
        {
          encoding: 'utf8',
        },
      );
      expect(nodes.trim().split('\n').sort()).toEqual(['node/talos-112-cp-1', 'node/talos-112-w-1']);
      expect(ws.run('plan', '--sandbox', '--detailed-exitcode').code).toBe(0);
    },
    SLOW,
  );

  it.each([
    [
      'v1.14.0',
      'talos.version',
      /Talos v1\.14\.0 is not supported; allowed: v1\.12\.11, v1\.13\.9, v1\.13\.10/,
    ],
    ['v1.99.0', 'talos.version', /allowed: v1\.12\.11, v1\.13\.9, v1\.13\.10/],
  ])(
    'validate and plan refuse Talos %s naming %s',
    (talos, field, message) => {
      ws.writeSpec(withVersions(talos, 'v1.33.5'));
      for (const args of [['validate'], ['plan', '--sandbox']]) {
        const refused = ws.run(...args);
        expect(refused.code, output(refused)).toBe(4);
        expect(refused.stderr).toContain(field);
        expect(refused.stderr).toMatch(message);
      }
    },
    SLOW,
  );

  it(
    'refuses Kubernetes outside the Talos range and two minors above what the nodes run',
    () => {
      ws.writeSpec(withVersions('v1.12.11', 'v1.36.3'));
      const range = ws.run('validate');
      expect(range.code).toBe(4);
      expect(range.stderr).toMatch(
        /kubernetes\.version: Kubernetes v1\.36\.3 is not supported by Talos v1\.12\.11; allowed: v1\.30\.0 to v1\.35\.x/,
      );

      ws.writeSpec(withVersions('v1.12.11', 'v1.35.4'));
      for (const args of [['validate'], ['validate', '--force'], ['plan', '--sandbox']]) {
        const skipped = ws.run(...args);
        expect(skipped.code, output(skipped)).toBe(4);
        expect(skipped.stderr).toMatch(
          /kubernetes\.version: Kubernetes v1\.35\.4 is 2 minors above v1\.33\.5, which the cluster runs/,
        );
        expect(skipped.stderr).toMatch(/allowed: v1\.33\.x or v1\.34\.x/);
      }
      ws.writeSpec(withVersions('v1.12.11', 'v1.34.1'));
      expect(ws.run('validate').code).toBe(0);
    },
    SLOW,
  );

  it(
    'a cluster created on v1.13.10 refuses going back to v1.12.11 without --force',
    () => {
      // Its own project: the first configs name v1.13.10, so no reboot of a running node is needed.
      const newer = workspace({ sandboxDir, speed: SPEED });
      const spec = withVersions('v1.13.10', 'v1.33.5').replace('name: talos-112', 'name: talos-113');
      newer.writeSpec(spec);
      const apply = newer.run('apply', '--sandbox', '--auto-approve');
      expect(apply.code, output(apply)).toBe(0);

      newer.writeSpec(spec.replace('version: v1.13.10', 'version: v1.12.11'));
      for (const args of [['validate'], ['plan', '--sandbox']]) {
        const refused = newer.run(...args);
        expect(refused.code, output(refused)).toBe(4);
        expect(refused.stderr).toMatch(
          /talos\.version: Talos v1\.12\.11 is older than v1\.13\.10, which the cluster runs/,
        );
        expect(refused.stderr).toMatch(/--force/);
      }
      expect(newer.run('validate', '--force').code).toBe(0);
      const forced = newer.run('plan', '--sandbox', '--force');
      expect(forced.code, output(forced)).toBe(0);
    },
    SLOW,
  );
});
